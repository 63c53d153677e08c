//! Fuzzes `.cube` LUT parsing (`afterlight::post::lut::CubeLut::parse`).
//!
//! Text that is not UTF-8 is refused by `CubeLut::load` before parsing, so it is skipped here.
//! A LUT that parses must pass `validate`, sample to finite colours anywhere (including NaN and
//! infinite inputs), and survive `to_cube_string` and a second parse bit for bit, as its
//! documentation promises.
#![no_main]

use afterlight::post::lut::CubeLut;
use glam::Vec3;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lut = match CubeLut::parse(text) {
        Ok(lut) => lut,
        Err(e) => {
            assert!(e.to_string().contains("line "), "{e}");
            return;
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
        assert!(lut.sample_trilinear(probe).is_finite(), "trilinear at {probe}");
        assert!(lut.sample_tetrahedral(probe).is_finite(), "tetrahedral at {probe}");
    }
    let written = lut.to_cube_string();
    let again = CubeLut::parse(&written).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(again.size, lut.size);
    assert_eq!(again.domain_min, lut.domain_min);
    assert_eq!(again.domain_max, lut.domain_max);
    assert_eq!(again.data, lut.data);
});
