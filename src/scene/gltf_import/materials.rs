//! Materials: the metallic-roughness factors, emission, alpha and the unlit extension, each
//! sanitised with a warning, and their five texture slots.

use glam::{Vec3, Vec4};
use gltf::json;
use gltf::json::validation::Checked;

use crate::scene::{AlphaMode, Material};

use super::document::Doc;
use super::output::{Output, factor};

impl Doc<'_> {
    pub(super) fn material(&self, index: usize, out: &mut Output) -> Material {
        let Some(m) = self.root.materials.get(index) else { return Material::default() };
        let name = m.name.clone().unwrap_or_else(|| format!("material {index}"));
        let here = |what: &str| format!("material {name:?} {what}");
        let raw = self.value.get("materials").and_then(|v| v.get(index));
        let pbr_raw = raw.and_then(|r| r.get("pbrMetallicRoughness"));
        let pbr = &m.pbr_metallic_roughness;

        let base = Vec4::from_array(pbr.base_color_factor.0);
        let base_color_factor = if base.is_finite() {
            let clamped = base.clamp(Vec4::ZERO, Vec4::ONE);
            if clamped != base {
                out.warn(format!("{}: {base} is outside 0..=1; clamped", here("baseColorFactor")));
            }
            clamped
        } else {
            out.warn(format!("{}: not finite; white is used", here("baseColorFactor")));
            Vec4::ONE
        };
        let metallic_factor =
            factor(out, &here("metallicFactor"), pbr.metallic_factor.0, 0.0, 1.0, 1.0);
        let roughness_factor =
            factor(out, &here("roughnessFactor"), pbr.roughness_factor.0, 0.0, 1.0, 1.0);
        let strength = m
            .extensions
            .as_ref()
            .and_then(|e| e.emissive_strength.as_ref())
            .map_or(1.0, |s| s.emissive_strength.0);
        let strength = factor(out, &here("emissiveStrength"), strength, 0.0, f32::INFINITY, 1.0);
        let emissive = Vec3::from_array(m.emissive_factor.0);
        let emissive_factor = if emissive.is_finite() && emissive.min_element() >= 0.0 {
            emissive * strength
        } else {
            out.warn(format!("{}: {emissive} is invalid; black is used", here("emissiveFactor")));
            Vec3::ZERO
        };
        let normal_scale = m.normal_texture.as_ref().map_or(1.0, |t| t.scale);
        let normal_scale = factor(
            out,
            &here("normalTexture.scale"),
            normal_scale,
            f32::NEG_INFINITY,
            f32::INFINITY,
            1.0,
        );
        let occlusion_strength = m.occlusion_texture.as_ref().map_or(1.0, |t| t.strength.0);
        let occlusion_strength =
            factor(out, &here("occlusionTexture.strength"), occlusion_strength, 0.0, 1.0, 1.0);
        let alpha_mode = match m.alpha_mode {
            Checked::Valid(json::material::AlphaMode::Mask) => AlphaMode::Mask,
            Checked::Valid(json::material::AlphaMode::Blend) => AlphaMode::Blend,
            _ => AlphaMode::Opaque,
        };
        let alpha_cutoff = m.alpha_cutoff.map_or(0.5, |c| c.0);
        let alpha_cutoff = factor(out, &here("alphaCutoff"), alpha_cutoff, 0.0, f32::INFINITY, 0.5);

        Material {
            name: name.clone(),
            base_color_factor,
            metallic_factor,
            roughness_factor,
            emissive_factor,
            normal_scale,
            occlusion_strength,
            alpha_mode,
            alpha_cutoff,
            double_sided: m.double_sided,
            unlit: m.extensions.as_ref().is_some_and(|e| e.unlit.is_some()),
            base_color_texture: self.texture_ref(
                pbr_raw.and_then(|v| v.get("baseColorTexture")),
                &here("baseColorTexture"),
                out,
            ),
            metallic_roughness_texture: self.texture_ref(
                pbr_raw.and_then(|v| v.get("metallicRoughnessTexture")),
                &here("metallicRoughnessTexture"),
                out,
            ),
            normal_texture: self.texture_ref(
                raw.and_then(|v| v.get("normalTexture")),
                &here("normalTexture"),
                out,
            ),
            occlusion_texture: self.texture_ref(
                raw.and_then(|v| v.get("occlusionTexture")),
                &here("occlusionTexture"),
                out,
            ),
            emissive_texture: self.texture_ref(
                raw.and_then(|v| v.get("emissiveTexture")),
                &here("emissiveTexture"),
                out,
            ),
        }
    }
}
