//! Compares the web page's picture with a native render (the browser test, `web/test.sh`).
//!
//! ```text
//! cargo run --example web_compare -- NATIVE.png PAGE.pixels [--min-ssim 0.95] [--png PAGE.png]
//! ```
//!
//! `PAGE.pixels` is what the page posts with `?report` (RGBA8, rows top first, the size of
//! `NATIVE.png`). Prints the SSIM (`afterlight::quality::ssim`, on luma) and the mean absolute
//! difference in codes; exits 1 when the SSIM is under `--min-ssim`, 2 on bad input. `--png`
//! also writes the page's picture as a PNG, to look at.

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("web_compare: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let mut args = std::env::args().skip(1);
    let mut paths = Vec::new();
    let mut min_ssim = None;
    let mut png = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--min-ssim" => {
                let value = args.next().ok_or("--min-ssim needs a value")?;
                min_ssim =
                    Some(value.parse::<f64>().map_err(|e| format!("--min-ssim {value}: {e}"))?);
            }
            "--png" => png = Some(args.next().ok_or("--png needs a path")?),
            _ => paths.push(arg),
        }
    }
    let [native, page] = paths.as_slice() else {
        return Err("usage: web_compare NATIVE.png PAGE.pixels [--min-ssim S] [--png OUT]".into());
    };
    let native = image::open(native).map_err(|e| format!("{native}: {e}"))?.to_rgba8();
    let (width, height) = native.dimensions();
    let pixels = std::fs::read(page).map_err(|e| format!("{page}: {e}"))?;
    let expected = width as usize * height as usize * 4;
    if pixels.len() != expected {
        return Err(format!(
            "{page}: {} bytes, expected {expected} ({width}x{height} RGBA8 like the native render)",
            pixels.len()
        ));
    }
    if let Some(path) = png {
        image::save_buffer(&path, &pixels, width, height, image::ExtendedColorType::Rgba8)
            .map_err(|e| format!("{path}: {e}"))?;
    }
    let ssim = afterlight::quality::ssim(native.as_raw(), &pixels, width as usize, height as usize)
        .ok_or("the images are too small for SSIM")?;
    let mean = native
        .as_raw()
        .iter()
        .zip(&pixels)
        .enumerate()
        .filter(|(i, _)| i % 4 != 3)
        .map(|(_, (a, b))| f64::from(a.abs_diff(*b)))
        .sum::<f64>()
        / (width as f64 * height as f64 * 3.0);
    println!("ssim {ssim:.4} mean difference {mean:.2} codes");
    Ok(min_ssim.is_none_or(|min| ssim >= min))
}
