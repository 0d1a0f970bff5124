//! Fuzzes path building: any set of certificate-like blobs, any time and name must give a
//! verdict or a typed error, never a panic.
//!
//! Input layout: byte 0 = how many blobs are intermediates (low nibble) and anchors (high
//! nibble); bytes 1..9 = the check time (i64, little endian); byte 9 = name length N, then N
//! bytes of name; then blobs, each a u16 little-endian length and that many bytes (up to 8;
//! the first is the leaf).
#![no_main]

use libfuzzer_sys::fuzz_target;

fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if data.len() < n {
        return None;
    }
    let (head, tail) = data.split_at(n);
    *data = tail;
    Some(head)
}

fuzz_target!(|input: &[u8]| {
    let mut data = input;
    let Some(&[split]) = take(&mut data, 1) else { return };
    let Some(at) = take(&mut data, 8) else { return };
    let at = i64::from_le_bytes(at.try_into().unwrap_or([0; 8]));
    let Some(&[name_len]) = take(&mut data, 1) else { return };
    let Some(name) = take(&mut data, usize::from(name_len)) else { return };
    let name = (!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned());
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    while blobs.len() < 8 {
        let Some(len) = take(&mut data, 2) else { break };
        let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
        let blob = take(&mut data, len).unwrap_or_else(|| std::mem::take(&mut data));
        blobs.push(blob.to_vec());
    }
    if blobs.is_empty() {
        return;
    }
    let leaf = blobs.remove(0);
    let n_int = usize::from(split & 0x0f).min(blobs.len());
    let anchors_from = usize::from(split >> 4).min(blobs.len());
    let candidate = |(i, der): (usize, &Vec<u8>)| chain::Candidate::new(der.clone(), format!("blob {i}"));
    let mut request = chain::Input::new(leaf, at);
    request.intermediates = blobs[..n_int].iter().enumerate().map(candidate).collect();
    request.anchors = blobs[anchors_from..].iter().enumerate().map(candidate).collect();
    request.disallowed = blobs.iter().take(1).map(|b| chain::thumbprint(b)).collect();
    request.name = name;
    if let Ok(verdict) = chain::evaluate(&request) {
        assert_eq!(verdict.trusted, verdict.problems.is_empty());
        assert!(!verdict.path.is_empty());
        assert!(verdict.path.len() <= chain::MAX_PATH_LEN);
        assert!(verdict.paths_tried <= chain::MAX_PATHS);
    }
});
