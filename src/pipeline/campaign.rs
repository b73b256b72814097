//! What a screening campaign adds to single records, the same at the command line
//! (`predict DIR --csv`) and in the page's campaign view: one order for the records of a set of
//! files, and pseudonymous rows for sharing a result table without the file names (which often
//! carry patient names or IDs).

use sha2::{Digest, Sha256};

use super::Report;
use crate::formats::group_records;

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

impl Report {
    /// The same report under `pseudonym` instead of its file names: `sources` becomes the
    /// pseudonym alone, and every file name (whole path or last component) that an error or a
    /// warning quotes is replaced by it too.
    pub fn pseudonymised(&self, pseudonym: &str) -> Report {
        let mut names: Vec<&str> = Vec::new();
        for source in &self.sources {
            names.push(source);
            let base = source.rsplit(['/', '\\']).next().unwrap_or(source);
            names.push(base);
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
