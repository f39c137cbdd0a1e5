//! A minimal ZIP writer for data exports: stored (uncompressed) entries with CRC-32, UTF-8 names,
//! no ZIP64 (an export holds far less than 4 GiB and 65,535 entries; larger is refused). Stored
//! entries keep the writer tiny; exported files (PDF, JPEG, Office) are compressed already.

/// Why an archive could not be written.
#[derive(Debug, thiserror::Error)]
#[error("the archive would exceed the ZIP limits (4 GiB or 65,535 entries)")]
pub struct TooLarge;

#[derive(Default)]
pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

fn u16le(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn u32le(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl ZipWriter {
    /// Adds a file. Names use `/` for folders; a name is made safe (no leading `/`, no `..`).
    pub fn add(&mut self, name: &str, data: &[u8]) -> Result<(), TooLarge> {
        let name: String = name
            .split('/')
            .filter(|p| !p.is_empty() && *p != "." && *p != "..")
            .map(|p| p.replace(['\\', ':'], "_"))
            .collect::<Vec<_>>()
            .join("/");
        let size = u32::try_from(data.len()).map_err(|_| TooLarge)?;
        let offset = u32::try_from(self.out.len()).map_err(|_| TooLarge)?;
        let name_len = u16::try_from(name.len()).map_err(|_| TooLarge)?;
        self.entries = self.entries.checked_add(1).ok_or(TooLarge)?;
        let crc = crc32fast::hash(data);
        // Version 2.0, flag bit 11 (UTF-8 names), method 0 (stored), time and date 1980-01-01.
        let common = |v: &mut Vec<u8>| {
            u16le(v, 20);
            u16le(v, 0x0800);
            u16le(v, 0);
            u16le(v, 0);
            u16le(v, 0x21);
            u32le(v, crc);
            u32le(v, size);
            u32le(v, size);
            u16le(v, name_len);
            u16le(v, 0);
        };
        u32le(&mut self.out, 0x0403_4b50);
        common(&mut self.out);
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(data);
        u32le(&mut self.central, 0x0201_4b50);
        u16le(&mut self.central, 20);
        common(&mut self.central);
        u16le(&mut self.central, 0); // comment length
        u16le(&mut self.central, 0); // disk
        u16le(&mut self.central, 0); // internal attributes
        u32le(&mut self.central, 0); // external attributes
        u32le(&mut self.central, offset);
        self.central.extend_from_slice(name.as_bytes());
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, TooLarge> {
        let offset = u32::try_from(self.out.len()).map_err(|_| TooLarge)?;
        let size = u32::try_from(self.central.len()).map_err(|_| TooLarge)?;
        self.out.extend_from_slice(&self.central);
        u32le(&mut self.out, 0x0605_4b50);
        u16le(&mut self.out, 0);
        u16le(&mut self.out, 0);
        u16le(&mut self.out, self.entries);
        u16le(&mut self.out, self.entries);
        u32le(&mut self.out, size);
        u32le(&mut self.out, offset);
        u16le(&mut self.out, 0);
        u32::try_from(self.out.len()).map_err(|_| TooLarge)?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unzip_reads_what_was_written() {
        let mut z = ZipWriter::default();
        z.add("account.json", b"{\"a\":1}").unwrap();
        z.add("files/../../etc/상담.txt", "안녕".as_bytes()).unwrap();
        let bytes = z.finish().unwrap();
        let dir = std::env::temp_dir().join(format!("sangdam-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.zip");
        std::fs::write(&path, &bytes).unwrap();
        // Python's zipfile checks the structure and every CRC.
        let out = std::process::Command::new("python3")
            .args(["-c", "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(z.namelist()); print(z.read('files/etc/상담.txt').decode())"])
            .arg(&path)
            .output();
        let _ = std::fs::remove_dir_all(&dir);
        let out = out.unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("'account.json', 'files/etc/상담.txt'") && text.contains("안녕"), "{text}");
    }
}
