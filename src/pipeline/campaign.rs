//! What a screening campaign adds to single records, the same at the command line
//! (`predict DIR --csv`) and in the page's campaign view: one order for the records of a set of
//! files, and pseudonymous rows for sharing a result table without the file names (which often
//! carry patient names or IDs).

use sha2::{Digest, Sha256};

use super::Report;
use crate::formats::{
    InputFile, Limits, ReadError, ReadOptions, RecordResult, group_records, read_files,
};

/// The records a campaign's files form, in a stable order: files sorted by name (byte order of
/// the path as given, `a/b/100.hea`), then grouped as [`group_records`] does (a WFDB header
/// with the signal files it names, in its own folder first). Indices are into `files`, whose
/// bytes need only be a WFDB header's whole text, and may be empty for any other file.
pub fn campaign_records(files: &[(&str, &[u8])]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| files[a].0.as_bytes().cmp(files[b].0.as_bytes()));
    let sorted: Vec<(&str, &[u8])> = order.iter().map(|&i| files[i]).collect();
    group_records(&sorted)
        .into_iter()
        .map(|group| group.into_iter().map(|j| order[j]).collect())
        .collect()
}

/// The first 8 hexadecimal digits of the SHA-256 of a record's files' contents (each file's
/// length, then its bytes), for [`pseudonym`]: it lets the site that holds the files find a
/// row's record again by hashing them, while the table itself names nobody.
pub fn content_hash<'a>(contents: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hash = Sha256::new();
    for bytes in contents {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    hash.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A record's name in a pseudonymous table: the position of its files in the campaign's
/// order of records (from 1, [`campaign_records`]) and its [`content_hash`],
/// `record-00042-3fa9c0d1`. Nothing of the file names goes into it.
pub fn pseudonym(position: usize, content_hash: &str) -> String {
    format!("record-{position:05}-{content_hash}")
}

/// One record of a campaign as read: the record, and the [`content_hash`] of the files it
/// was read from (for a pseudonymous table).
#[derive(Debug)]
pub struct CampaignRead {
    /// The record, or why it could not be read.
    pub record: RecordResult,
    /// The [`content_hash`] of its files (of nothing for a file that could not be read).
    pub content_hash: String,
}

/// Reads the files of one planned record ([`campaign_records`]), each given as its name and
/// its bytes or why they could not be had (the system could not read it, or it is over the
/// byte limit): usually one record; a file that could not be had is a record of its own with
/// that error, before the record the others form. The command line and the page read a
/// campaign through this, so that their rows agree.
pub fn read_campaign_record(
    files: Vec<(String, Result<Vec<u8>, ReadError>)>,
    options: &ReadOptions,
    limits: &Limits,
) -> Vec<CampaignRead> {
    let mut reads = Vec::new();
    let mut had = Vec::new();
    for (name, bytes) in files {
        match bytes {
            Ok(bytes) => had.push(InputFile { name, bytes }),
            Err(error) => reads.push(CampaignRead {
                record: RecordResult::unreadable(name, error),
                content_hash: content_hash([]),
            }),
        }
    }
    if !had.is_empty() {
        let hash = content_hash(had.iter().map(|f| f.bytes.as_slice()));
        reads.extend(
            read_files(&had, options, limits)
                .into_iter()
                .map(|record| CampaignRead {
                    record,
                    content_hash: hash.clone(),
                }),
        );
    }
    reads
}

impl Report {
    /// The same report under `pseudonym` instead of its file names: `sources` becomes the
    /// pseudonym alone, and every file name that an error or a warning quotes is replaced by
    /// it too: the whole path, its last component, and that component's stem when it is 3
    /// characters or longer (a WFDB header names its signal files after the record,
    /// `A0003.mat` beside `A0003.hea`, and record names are often patient or visit numbers).
    pub fn pseudonymised(&self, pseudonym: &str) -> Report {
        let mut names: Vec<&str> = Vec::new();
        for source in &self.sources {
            names.push(source);
            let base = source.rsplit(['/', '\\']).next().unwrap_or(source);
            names.push(base);
            if let Some((stem, _)) = base.rsplit_once('.')
                && stem.chars().count() >= 3
            {
                names.push(stem);
            }
        }
        // Longest first, so that a path is replaced before the base name inside it.
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        names.retain(|name| !name.is_empty());
        let scrub = |text: &str| {
            names
                .iter()
                .fold(text.to_string(), |text, name| text.replace(name, pseudonym))
        };
        let mut report = self.clone();
        report.sources = vec![pseudonym.to_string()];
        if let Some(error) = &mut report.error {
            error.message = scrub(&error.message);
        }
        for warning in &mut report.warnings {
            warning.message = scrub(&warning.message);
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_sorted_by_path_with_headers_taking_their_own_folders_signal_files() {
        let header = b"100 1 360 10\n100.dat 16 200 11 0 0 0 0 MLII\n";
        let files: Vec<(&str, &[u8])> = vec![
            ("z/notes.csv", b""),
            ("b/100.dat", b""),
            ("b/100.hea", header),
            ("a/100.hea", header),
            ("a/100.dat", b""),
            ("c/100.hea", header),
            (
                "d/200.hea",
                b"200 1 360 10\n200.dat 16 200 11 0 0 0 0 MLII\n",
            ),
            ("e/200.dat", b""),
        ];
        // c/100.hea has no 100.dat beside it and two elsewhere: it takes neither. d/200.hea
        // takes the only 200.dat there is.
        assert_eq!(
            campaign_records(&files),
            vec![vec![3, 4], vec![2, 1], vec![5], vec![6, 7], vec![0]]
        );
    }

    #[test]
    fn a_pseudonym_is_position_and_content_hash_only() {
        // sha256 of 8 bytes of little-endian length 3, then "abc":
        // python3 -c "import hashlib,struct;print(hashlib.sha256(struct.pack('<Q',3)+b'abc').hexdigest()[:8])"
        let hash = content_hash([&b"abc"[..]]);
        assert_eq!(pseudonym(42, &hash), "record-00042-ce91dc5e");
        assert_ne!(content_hash([&b"abd"[..]]), hash);
        assert_ne!(content_hash([&b"ab"[..], &b"c"[..]]), hash);
    }
}
