//! Counselor photos: whatever JPEG or PNG is uploaded becomes a 400 × 400 JPEG. Decoding runs
//! under size limits (a small file that claims to be huge is refused before it is expanded), and
//! re-encoding keeps only pixels: EXIF (with its GPS position and camera serial), XMP, ICC and
//! comments are gone.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Side of the square photo that is kept.
pub const SIDE: u32 = 400;
const MAX_SOURCE_SIDE: u32 = 8000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("not a JPEG or PNG image")]
    NotAnImage,
    #[error("image too large")]
    TooLarge,
}

impl PhotoError {
    pub fn message_id(self) -> &'static str {
        match self {
            PhotoError::NotAnImage => "error-photo-type",
            PhotoError::TooLarge => "error-photo-too-large",
        }
    }
}

/// Decodes, crops to a centred square, resizes and re-encodes as JPEG.
pub fn clean(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(reader.format(), Some(ImageFormat::Jpeg | ImageFormat::Png)) {
        return Err(PhotoError::NotAnImage);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => PhotoError::TooLarge,
        _ => PhotoError::NotAnImage,
    })?;
    let square = image.resize_to_fill(SIDE, SIDE, FilterType::Triangle).to_rgb8();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85).encode_image(&square).map_err(|_| PhotoError::NotAnImage)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn any_size_becomes_a_square_jpeg() {
        for (w, h) in [(1200, 800), (300, 900), (50, 50)] {
            let out = clean(&png(w, h)).unwrap();
            let back = image::load_from_memory(&out).unwrap();
            assert_eq!((back.width(), back.height()), (SIDE, SIDE));
            assert_eq!(image::guess_format(&out).unwrap(), ImageFormat::Jpeg);
        }
    }

    #[test]
    fn metadata_does_not_survive() {
        // A JPEG carrying an EXIF block with a recognizable text in it.
        let mut jpeg = Vec::new();
        JpegEncoder::new(&mut jpeg).encode_image(&image::RgbImage::new(64, 64)).unwrap();
        let exif = b"Exif\0\0GPS 37.5665N 126.9780E serial SN-12345";
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        segment.extend_from_slice(exif);
        jpeg.splice(2..2, segment);
        assert!(jpeg.windows(8).any(|w| w == b"SN-12345"));
        let out = clean(&jpeg).unwrap();
        assert!(!out.windows(8).any(|w| w == b"SN-12345"));
        assert!(!out.windows(4).any(|w| w == b"Exif"));
    }

    #[test]
    fn other_things_are_refused() {
        assert_eq!(clean(b"GIF89a not really"), Err(PhotoError::NotAnImage));
        assert_eq!(clean(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), Err(PhotoError::NotAnImage));
        let mut truncated = png(100, 100);
        truncated.truncate(60);
        assert_eq!(clean(&truncated), Err(PhotoError::NotAnImage));
        assert_eq!(clean(&vec![0u8; MAX_UPLOAD_BYTES + 1]), Err(PhotoError::TooLarge));
        // A header that claims 20000 × 20000 pixels is refused before decoding.
        let mut huge = png(10, 10);
        huge[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        assert!(clean(&huge).is_err());
    }
}
