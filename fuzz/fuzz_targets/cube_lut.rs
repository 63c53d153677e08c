//! Fuzzes LUT parsing in every format `afterlight::post::colour_lut::ColourLut` reads: each
//! input goes through the `.cube` (1D, 3D, Resolve 1D+3D), `.3dl`, `.spi1d` and `.spi3d`
//! parsers.
//!
//! Text that is not UTF-8 is refused by `ColourLut::load` before parsing, so it is skipped here.
//! An error must name a line. A LUT that parses must pass `validate`, give finite colours
//! anywhere (including NaN and infinite inputs), and its 3D stage must survive
//! `to_cube_string` and a second parse bit for bit, as its documentation promises.
#![no_main]

use afterlight::post::colour_lut::{ColourLut, LutFormat};
use afterlight::post::lut::CubeLut;
use glam::Vec3;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [LutFormat::Cube, LutFormat::Discreet3dl, LutFormat::Spi1d, LutFormat::Spi3d] {
        let lut = match ColourLut::parse(format, text, None) {
            Ok(lut) => lut,
            Err(e) => {
                assert!(e.to_string().contains("line "), "{format:?}: {e}");
                continue;
            }
        };
        lut.validate().expect("a parsed LUT is valid");
        for probe in [
            Vec3::ZERO,
            Vec3::ONE,
            Vec3::new(0.25, 0.5, 0.75),
            Vec3::splat(f32::NAN),
            Vec3::splat(f32::INFINITY),
            Vec3::splat(f32::NEG_INFINITY),
            Vec3::splat(65504.0),
        ] {
            assert!(lut.apply(probe).is_finite(), "{format:?} at {probe}");
        }
        let Some(cube) = &lut.cube else { continue };
        assert!(cube.sample_tetrahedral(Vec3::splat(0.5)).is_finite());
        let written = cube.to_cube_string();
        let again = CubeLut::parse(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(again.size, cube.size);
        assert_eq!(again.domain_min, cube.domain_min);
        assert_eq!(again.domain_max, cube.domain_max);
        assert_eq!(again.data, cube.data);
    }
});
