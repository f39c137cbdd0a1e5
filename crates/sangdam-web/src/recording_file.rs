//! Recording files at rest: a recording is written straight into an encrypted file, never to disk
//! in the clear. The file has its own random key (sealed in the database under the keyring, so
//! key rotation re-seals it and destroying it makes the file unreadable), and is cut into 64 KiB
//! chunks, each sealed with XChaCha20-Poly1305 under a fresh nonce, with the recording's id, the
//! chunk's number and whether it is the last as associated data: chunks cannot be swapped,
//! moved between files, or cut off the end unnoticed.
//!
//! A recording is one file per part (a participant's camera and microphone, or a shared screen):
//! part 0 is `<id>.sdrec`, part n is `<id>.<n>.sdrec`, all under the recording's key, each with
//! its own name (`<id>` or `<id>.<n>`) in the associated data, so parts cannot be swapped either.
//!
//! Layout: `SDREC01\n`, then chunk 0, 1, …, each `nonce (24) ‖ ciphertext ‖ tag (16)`; every chunk
//! but the last holds exactly 64 KiB. Chunk 0 stays in memory until the end, because the WebM
//! header in it gets the duration patched in; its slot is reserved on disk meanwhile.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::crypto::random;

pub const CHUNK: usize = 64 * 1024;
const MAGIC: &[u8; 8] = b"SDREC01\n";
const SEALED: usize = 24 + CHUNK + 16;

fn aad(id: &str, index: u64, last: bool) -> Vec<u8> {
    let mut a = id.as_bytes().to_vec();
    a.extend_from_slice(&index.to_le_bytes());
    a.push(u8::from(last));
    a
}

fn seal(cipher: &XChaCha20Poly1305, id: &str, index: u64, last: bool, plain: &[u8]) -> io::Result<Vec<u8>> {
    let nonce = random::<24>();
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: &aad(id, index, last) })
        .map_err(|_| io::Error::other("sealing a recording chunk failed"))?;
    let mut out = nonce.to_vec();
    out.extend(ct);
    Ok(out)
}

pub use sangdam_app::recordings::{is_part_of, part_name, path};

/// Opens each part of a recording as the SFU's recorder begins it. Part 0 is created at once, so
/// a folder that cannot be written stops the recording before it starts.
pub struct PartFiles {
    dir: PathBuf,
    id: String,
    key: [u8; 32],
    first: Option<SealedWriter>,
}

impl PartFiles {
    pub fn create(dir: &Path, id: &str, key: &[u8; 32]) -> io::Result<Self> {
        let first = SealedWriter::create(dir, id, key)?;
        Ok(Self { dir: dir.to_owned(), id: id.to_owned(), key: *key, first: Some(first) })
    }
}

impl sangdam_media::RecordSinks for PartFiles {
    fn open(&mut self, index: usize, _: &sangdam_media::Part) -> io::Result<Box<dyn sangdam_media::RecordSink>> {
        match (index, self.first.take()) {
            (0, Some(first)) => Ok(Box::new(first)),
            (0, None) => Err(io::Error::other("part 0 was opened twice")),
            _ => Ok(Box::new(SealedWriter::create(&self.dir, &part_name(&self.id, index), &self.key)?)),
        }
    }
}

impl Drop for PartFiles {
    /// A recording that never began a part leaves no empty file behind.
    fn drop(&mut self) {
        if self.first.take().is_some() {
            let _ = std::fs::remove_file(path(&self.dir, &self.id));
        }
    }
}

/// Writes a recording, encrypting as it goes (the SFU's [`sangdam_media::RecordSink`]).
pub struct SealedWriter {
    file: File,
    cipher: XChaCha20Poly1305,
    id: String,
    first: Vec<u8>,
    current: Vec<u8>,
    /// The next chunk's number once chunk 0 is full.
    index: u64,
}

impl SealedWriter {
    pub fn create(dir: &Path, id: &str, key: &[u8; 32]) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path(dir, id))?;
        file.write_all(MAGIC)?;
        Ok(Self {
            file,
            cipher: XChaCha20Poly1305::new(key.into()),
            id: id.to_owned(),
            first: Vec::with_capacity(CHUNK),
            current: Vec::new(),
            index: 0,
        })
    }
}

impl sangdam_media::RecordSink for SealedWriter {
    fn write(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            if self.index == 0 {
                let take = bytes.len().min(CHUNK - self.first.len());
                self.first.extend_from_slice(&bytes[..take]);
                bytes = &bytes[take..];
                if self.first.len() == CHUNK {
                    // Reserve chunk 0's slot; it is written last.
                    self.file.write_all(&vec![0u8; SEALED])?;
                    self.index = 1;
                }
                continue;
            }
            let take = bytes.len().min(CHUNK - self.current.len());
            self.current.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.current.len() == CHUNK && !bytes.is_empty() {
                let sealed = seal(&self.cipher, &self.id, self.index, false, &self.current)?;
                self.file.write_all(&sealed)?;
                self.current.clear();
                self.index += 1;
            }
        }
        Ok(())
    }

    fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        let at = usize::try_from(offset).map_err(|_| io::Error::other("patch offset"))?;
        let end = at.checked_add(bytes.len()).filter(|e| *e <= self.first.len());
        let Some(end) = end else { return Err(io::Error::other("only the first chunk can be patched")) };
        self.first[at..end].copy_from_slice(bytes);
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        if self.index == 0 {
            let sealed = seal(&self.cipher, &self.id, 0, true, &self.first)?;
            self.file.write_all(&sealed)?;
        } else {
            let sealed = seal(&self.cipher, &self.id, self.index, true, &self.current)?;
            self.file.write_all(&sealed)?;
            let first = seal(&self.cipher, &self.id, 0, false, &self.first)?;
            self.file.seek(SeekFrom::Start(MAGIC.len() as u64))?;
            self.file.write_all(&first)?;
        }
        self.file.sync_all()
    }
}

/// Reads a recording back, chunk by chunk, checking each.
pub struct SealedReader {
    file: File,
    cipher: XChaCha20Poly1305,
    id: String,
    index: u64,
    left: u64,
}

impl SealedReader {
    pub fn open(dir: &Path, id: &str, key: &[u8; 32]) -> io::Result<Self> {
        let mut file = File::open(path(dir, id))?;
        let len = file.metadata()?.len();
        let mut magic = [0u8; 8];
        file.read_exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(io::Error::other("not a Sangdam recording"));
        }
        if len < 8 + 40 {
            return Err(io::Error::other("a recording file is cut short"));
        }
        Ok(Self { file, cipher: XChaCha20Poly1305::new(key.into()), id: id.to_owned(), index: 0, left: len - 8 })
    }

    /// The recording's length in the clear: every chunk but the last is full.
    pub fn plain_len(&self) -> u64 {
        let sealed_total = self.left + self.index * SEALED as u64;
        let chunks = sealed_total.div_ceil(SEALED as u64);
        sealed_total - chunks * 40
    }

    /// Moves to the chunk holding byte `offset` of the clear text; returns where in that chunk
    /// the byte is. Only from the start of the file.
    pub fn seek_to(&mut self, offset: u64) -> io::Result<usize> {
        let total = self.left + self.index * SEALED as u64;
        let index = offset / CHUNK as u64;
        let at = index * SEALED as u64;
        if at >= total {
            return Err(io::Error::other("seeking past the end of a recording"));
        }
        self.file.seek(SeekFrom::Start(MAGIC.len() as u64 + at))?;
        self.index = index;
        self.left = total - at;
        Ok((offset % CHUNK as u64) as usize)
    }

    /// The next chunk's plaintext, or `None` at the end.
    pub fn next_chunk(&mut self) -> io::Result<Option<Vec<u8>>> {
        if self.left == 0 {
            return Ok(None);
        }
        let n = self.left.min(SEALED as u64) as usize;
        if n < 24 + 16 {
            return Err(io::Error::other("a recording chunk is cut short"));
        }
        let mut buf = vec![0u8; n];
        self.file.read_exact(&mut buf)?;
        self.left -= n as u64;
        let last = self.left == 0;
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(&buf[..24]), Payload { msg: &buf[24..], aad: &aad(&self.id, self.index, last) })
            .map_err(|_| io::Error::other("a recording chunk does not open: damaged or tampered with"))?;
        self.index += 1;
        Ok(Some(plain))
    }
}

#[cfg(test)]
mod tests {
    use sangdam_media::RecordSink as _;

    use super::*;

    fn round_trip(len: usize) {
        let dir = std::env::temp_dir().join(format!("sangdam-rec-test-{}-{len}", std::process::id()));
        let key = random::<32>();
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let mut w = Box::new(SealedWriter::create(&dir, "r1", &key).unwrap());
        for part in data.chunks(10_000) {
            w.write(part).unwrap();
        }
        if len >= 8 {
            w.patch(0, b"PATCHED!").unwrap();
        }
        assert!(w.patch(CHUNK as u64, b"x").is_err() || len < CHUNK);
        w.finish().unwrap();
        let raw = std::fs::read(path(&dir, "r1")).unwrap();
        if len >= 1000 {
            assert!(!raw.windows(32).any(|w| w == &data[500..532]), "nothing in the clear");
        }
        let mut r = SealedReader::open(&dir, "r1", &key).unwrap();
        let mut back = Vec::new();
        while let Some(c) = r.next_chunk().unwrap() {
            back.extend(c);
        }
        let mut expected = data.clone();
        if len >= 8 {
            expected[..8].copy_from_slice(b"PATCHED!");
        }
        assert_eq!(back, expected, "length {len}");
        // Cutting off the last chunk, or a wrong key, is noticed.
        std::fs::write(path(&dir, "r1"), &raw[..raw.len() - 10]).unwrap();
        let failed = match SealedReader::open(&dir, "r1", &key) {
            Err(_) => true,
            Ok(mut r) => loop {
                match r.next_chunk() {
                    Ok(Some(_)) => {}
                    Ok(None) => break false,
                    Err(_) => break true,
                }
            },
        };
        assert!(failed, "a truncated file does not open cleanly (length {len})");
        std::fs::write(path(&dir, "r1"), &raw).unwrap();
        let mut r = SealedReader::open(&dir, "r1", &random::<32>()).unwrap();
        assert!(r.next_chunk().is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_reader_seeks_to_any_byte() {
        let dir = std::env::temp_dir().join(format!("sangdam-rec-seek-{}", std::process::id()));
        let key = random::<32>();
        let data: Vec<u8> = (0..3 * CHUNK + 500).map(|i| (i % 253) as u8).collect();
        let mut w = Box::new(SealedWriter::create(&dir, "s1", &key).unwrap());
        w.write(&data).unwrap();
        w.finish().unwrap();
        for offset in [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 7, 3 * CHUNK + 499] {
            let mut r = SealedReader::open(&dir, "s1", &key).unwrap();
            assert_eq!(r.plain_len(), data.len() as u64);
            let skip = r.seek_to(offset as u64).unwrap();
            let chunk = r.next_chunk().unwrap().unwrap();
            assert_eq!(chunk[skip], data[offset], "byte {offset}");
        }
        let mut r = SealedReader::open(&dir, "s1", &key).unwrap();
        assert!(r.seek_to(data.len() as u64 + CHUNK as u64).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn recordings_round_trip_at_every_size() {
        for len in [0, 10, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 123] {
            round_trip(len);
        }
    }

    #[test]
    fn parts_are_named_apart_and_cannot_be_swapped() {
        assert_eq!(part_name("abc", 0), "abc");
        assert_eq!(part_name("abc", 2), "abc.2");
        assert!(is_part_of("abc.sdrec", "abc"));
        assert!(is_part_of("abc.12.sdrec", "abc"));
        assert!(!is_part_of("abcd.sdrec", "abc"), "another recording whose id begins alike");
        assert!(!is_part_of("abc..sdrec", "abc"));
        assert!(!is_part_of("abc.1x.sdrec", "abc"));
        assert!(!is_part_of("abc.1.sdrec.tmp", "abc"));

        let dir = std::env::temp_dir().join(format!("sangdam-rec-parts-{}", std::process::id()));
        let key = random::<32>();
        let mut files = PartFiles::create(&dir, "r9", &key).unwrap();
        let part = sangdam_media::Part { label: "u".into(), kind: sangdam_media::PartKind::Person };
        for i in 0..2 {
            let mut w = sangdam_media::RecordSinks::open(&mut files, i, &part).unwrap();
            w.write(format!("part {i}").as_bytes()).unwrap();
            w.finish().unwrap();
        }
        assert!(sangdam_media::RecordSinks::open(&mut files, 0, &part).is_err(), "part 0 is opened once");
        drop(files);
        // Part 1's file copied over part 0's does not open as part 0.
        std::fs::copy(path(&dir, "r9.1"), path(&dir, "r9")).unwrap();
        let mut r = SealedReader::open(&dir, "r9", &key).unwrap();
        assert!(r.next_chunk().is_err(), "a part moved to another's name is refused");
        let mut r = SealedReader::open(&dir, "r9.1", &key).unwrap();
        assert_eq!(r.next_chunk().unwrap().unwrap(), b"part 1");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_recording_that_began_no_part_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("sangdam-rec-none-{}", std::process::id()));
        let files = PartFiles::create(&dir, "r0", &random::<32>()).unwrap();
        assert!(path(&dir, "r0").exists());
        drop(files);
        assert!(!path(&dir, "r0").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
