//! Turning an uploaded file into what we serve: the type sniffed from the bytes,
//! sizes checked before any pixel is decoded, orientation applied, a re-encoded
//! original of at most 1920 px a side and a thumbnail, and a blurhash. Re-encoding
//! from pixels is what removes EXIF and GPS: no metadata of the upload is copied.
//!
//! CPU-bound: callers run it on a blocking thread.

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest upload accepted, as Mastodon's image limit.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Largest image accepted, counted from its header before decoding (Mastodon's
/// 7680×4320): a few-kilobyte PNG can claim billions of pixels.
pub const MAX_PIXELS: u64 = 33_177_600;
pub const MAX_SIDE: u32 = 16_384;
/// The served original's longest side.
pub const ORIGINAL_SIDE: u32 = 1920;
/// The thumbnail's longest side (Mastodon's `small` is about this size).
pub const THUMBNAIL_SIDE: u32 = 640;
/// What one decode may allocate: a 33-megapixel RGBA frame and some slack.
const MAX_ALLOC: u64 = 192 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Refused {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {} MB", MAX_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the file is not a JPEG, PNG, WebP or GIF image")]
    NotAnImage,
    #[error("the file is a {actual} image but was sent as {declared}")]
    Mislabelled {
        actual: &'static str,
        declared: String,
    },
    #[error("the image is {width}×{height} pixels; at most {MAX_PIXELS} pixels and {MAX_SIDE} a side are accepted")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
}

/// One encoded file.
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

pub struct Processed {
    /// `image/jpeg`, or `image/png` for images with transparency (and GIFs).
    pub content_type: &'static str,
    pub extension: &'static str,
    pub original: Encoded,
    pub thumbnail: Encoded,
    pub blurhash: String,
}

fn format_name(f: ImageFormat) -> Option<&'static str> {
    match f {
        ImageFormat::Jpeg => Some("image/jpeg"),
        ImageFormat::Png => Some("image/png"),
        ImageFormat::WebP => Some("image/webp"),
        ImageFormat::Gif => Some("image/gif"),
        _ => None,
    }
}

/// The accepted type the bytes are, whatever the upload's name or label says.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, Refused> {
    let format = image::guess_format(bytes).map_err(|_| Refused::NotAnImage)?;
    format_name(format)
        .map(|_| format)
        .ok_or(Refused::NotAnImage)
}

/// An upload decoded: upright, in RGB or (when it has transparency, and for GIFs)
/// RGBA. `declared` is the type the client labelled it with: an image type that
/// disagrees with the bytes is refused (a PNG sent as a JPEG is either a broken
/// client or someone probing us); a generic label is fine.
fn decode(bytes: &[u8], declared: Option<&str>) -> Result<(DynamicImage, bool), Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    let format = sniff(bytes)?;
    let actual = format_name(format).unwrap_or("image");
    if let Some(d) = declared.map(|d| d.trim().to_ascii_lowercase()) {
        let same =
            d == actual || (d == "image/jpg" || d == "image/pjpeg") && actual == "image/jpeg";
        if d.starts_with("image/") && !same {
            return Err(Refused::Mislabelled {
                actual: actual.trim_start_matches("image/").to_uppercase().leak(),
                declared: d,
            });
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Dimensions are checked below, from the header, to say what was wrong; the
    // allocation cap guards the decoding itself.
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS
        || width > MAX_SIDE
        || height > MAX_SIDE
        || width == 0
        || height == 0
    {
        return Err(Refused::TooManyPixels { width, height });
    }
    let orientation = decoder
        .orientation()
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    // An animated GIF keeps its first frame: we store still images only (a video
    // conversion, as Mastodon does, would need a video encoder).
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| Refused::Unreadable(e.to_string()))?;
    img.apply_orientation(orientation);
    let alpha = img.color().has_alpha() || format == ImageFormat::Gif;
    let img = if alpha {
        DynamicImage::ImageRgba8(img.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(img.into_rgb8())
    };
    Ok((img, alpha))
}

fn type_of(alpha: bool) -> (&'static str, &'static str) {
    if alpha {
        ("image/png", "png")
    } else {
        ("image/jpeg", "jpg")
    }
}

/// Processes an attachment: a resized original, a thumbnail and a blurhash.
pub fn process(bytes: &[u8], declared: Option<&str>) -> Result<Processed, Refused> {
    let (img, alpha) = decode(bytes, declared)?;
    let original = fit(&img, ORIGINAL_SIDE)?;
    drop(img);
    let thumbnail = fit(&original, THUMBNAIL_SIDE)?;
    let blurhash = blurhash_of(&thumbnail)?;
    let (content_type, extension) = type_of(alpha);
    Ok(Processed {
        content_type,
        extension,
        original: encode(&original, alpha)?,
        thumbnail: encode(&thumbnail, alpha)?,
        blurhash,
    })
}

/// An avatar or a header, cut to its shape as Mastodon does (a 400 px square; a
/// 1500×500 banner), centred, never enlarged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileImage {
    Avatar,
    Header,
}

impl ProfileImage {
    pub fn name(self) -> &'static str {
        match self {
            ProfileImage::Avatar => "avatar",
            ProfileImage::Header => "header",
        }
    }

    /// Width over height, and the largest width kept.
    fn shape(self) -> (u32, u32) {
        match self {
            ProfileImage::Avatar => (1, 400),
            ProfileImage::Header => (3, 1500),
        }
    }
}

/// A profile image processed: one file, of this type and extension.
pub struct ProcessedProfileImage {
    pub content_type: &'static str,
    pub extension: &'static str,
    pub image: Encoded,
}

/// Processes an avatar or header upload: the same checks, orientation and
/// re-encoding as an attachment (no EXIF survives), cropped to its shape.
pub fn profile_image(
    bytes: &[u8],
    declared: Option<&str>,
    kind: ProfileImage,
) -> Result<ProcessedProfileImage, Refused> {
    let (img, alpha) = decode(bytes, declared)?;
    let (ratio, max_width) = kind.shape();
    // The largest box of the shape inside the image, then no wider than the maximum.
    let width = img
        .width()
        .min(img.height().saturating_mul(ratio))
        .min(max_width)
        .max(ratio);
    let height = (width / ratio).max(1);
    let mut dst = DynamicImage::new(width, height, img.color());
    Resizer::new()
        .resize(
            &img,
            &mut dst,
            &ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
                .fit_into_destination(None),
        )
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    let (content_type, extension) = type_of(alpha);
    Ok(ProcessedProfileImage {
        content_type,
        extension,
        image: encode(&dst, alpha)?,
    })
}

/// `img` scaled down (never up) so its longest side is at most `side`.
fn fit(img: &DynamicImage, side: u32) -> Result<DynamicImage, Refused> {
    let (w, h) = (img.width(), img.height());
    if w <= side && h <= side {
        return Ok(img.clone());
    }
    let scale = f64::from(side) / f64::from(w.max(h));
    let (nw, nh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let mut dst = DynamicImage::new(nw, nh, img.color());
    Resizer::new()
        .resize(
            img,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(|e| Refused::Unreadable(e.to_string()))?;
    Ok(dst)
}

fn blurhash_of(img: &DynamicImage) -> Result<String, Refused> {
    // Its few components need no detail: a 32 px image gives the same hash cheaply.
    let small = fit(img, 32)?.into_rgba8();
    blurhash::encode(4, 3, small.width(), small.height(), small.as_raw())
        .map_err(|e| Refused::Unreadable(e.to_string()))
}

fn encode(img: &DynamicImage, png: bool) -> Result<Encoded, Refused> {
    let mut bytes = Vec::new();
    if png {
        img.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .map_err(|e| Refused::Unreadable(e.to_string()))?;
    } else {
        // Sides are at most ORIGINAL_SIDE (or a profile image's), far inside u16.
        let converted;
        let rgb = match img.as_rgb8() {
            Some(rgb) => rgb,
            None => {
                converted = img.to_rgb8();
                &converted
            }
        };
        let side = |n: u32| {
            u16::try_from(n).map_err(|_| Refused::TooManyPixels {
                width: img.width(),
                height: img.height(),
            })
        };
        jpeg_encoder::Encoder::new(&mut bytes, 85)
            .encode(
                rgb.as_raw(),
                side(rgb.width())?,
                side(rgb.height())?,
                jpeg_encoder::ColorType::Rgb,
            )
            .map_err(|e| Refused::Unreadable(e.to_string()))?;
    }
    Ok(Encoded {
        bytes,
        width: img.width(),
        height: img.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// A 1×1 PNG whose header (with a correct checksum) claims 100000×100000 pixels.
    pub fn bomb_png() -> Vec<u8> {
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        bomb
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn resizes_and_hashes() {
        let p = process(&png(3000, 1500), Some("image/png")).unwrap();
        assert_eq!((p.original.width, p.original.height), (1920, 960));
        assert_eq!((p.thumbnail.width, p.thumbnail.height), (640, 320));
        assert_eq!(p.content_type, "image/jpeg");
        assert!(p.blurhash.len() > 6);
        assert_eq!(
            image::guess_format(&p.original.bytes).unwrap(),
            ImageFormat::Jpeg
        );
    }

    #[test]
    fn profile_images_are_cut_to_their_shape() {
        let avatar = profile_image(&png(1000, 600), None, ProfileImage::Avatar).unwrap();
        assert_eq!((avatar.image.width, avatar.image.height), (400, 400));
        let small = profile_image(&png(120, 300), None, ProfileImage::Avatar).unwrap();
        assert_eq!((small.image.width, small.image.height), (120, 120));
        let header = profile_image(&png(4000, 3000), None, ProfileImage::Header).unwrap();
        assert_eq!((header.image.width, header.image.height), (1500, 500));
        let narrow = profile_image(&png(600, 1000), None, ProfileImage::Header).unwrap();
        assert_eq!((narrow.image.width, narrow.image.height), (600, 200));
        assert!(matches!(
            profile_image(&bomb_png(), None, ProfileImage::Avatar),
            Err(Refused::TooManyPixels { .. })
        ));
    }

    #[test]
    fn refuses_lies_and_bombs() {
        let small = process(&png(20, 10), None).unwrap();
        assert_eq!((small.original.width, small.original.height), (20, 10));
        assert!(matches!(
            process(&png(20, 10), Some("image/jpeg")),
            Err(Refused::Mislabelled { .. })
        ));
        assert_eq!(
            process(b"<html><script>alert(1)</script></html>", Some("image/png")).err(),
            Some(Refused::NotAnImage)
        );
        // A PNG header claiming 100000×100000 pixels: refused before decoding.
        assert_eq!(
            process(&bomb_png(), None).err(),
            Some(Refused::TooManyPixels {
                width: 100_000,
                height: 100_000
            })
        );
        let full = png(200, 200);
        assert!(matches!(
            process(&full[..full.len() / 2], None),
            Err(Refused::Unreadable(_))
        ));
    }
}
