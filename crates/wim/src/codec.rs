//! wimlib's public compression API (`wimlib_create_compressor`/`wimlib_compress`,
//! `wimlib_create_decompressor`/`wimlib_decompress`): the codecs the native reader and writer
//! use for chunks. The only `unsafe` of the native path lives here.

use std::ptr::NonNull;

use wimlib_sys as sys;

use crate::format::header::Codec;

fn ctype(codec: Codec) -> Option<sys::wimlib_compression_type> {
    match codec {
        Codec::None => None,
        Codec::Xpress => Some(sys::wimlib_compression_type_WIMLIB_COMPRESSION_TYPE_XPRESS),
        Codec::Lzx => Some(sys::wimlib_compression_type_WIMLIB_COMPRESSION_TYPE_LZX),
        Codec::Lzms => Some(sys::wimlib_compression_type_WIMLIB_COMPRESSION_TYPE_LZMS),
    }
}

/// A chunk decompressor for one codec and chunk size.
pub(crate) struct Decompressor(NonNull<sys::wimlib_decompressor>);

// SAFETY: a decompressor is heap state owned by this value, with no thread affinity; it is
// used by one thread at a time (`&mut self`).
unsafe impl Send for Decompressor {}

impl Decompressor {
    /// A decompressor, or `None` if wimlib refuses the codec or chunk size.
    pub(crate) fn new(codec: Codec, chunk_size: u32) -> Option<Decompressor> {
        crate::init::ensure();
        let mut raw = std::ptr::null_mut();
        // SAFETY: raw is a valid out-pointer; wimlib stores an owned decompressor there on
        // success and leaves it untouched otherwise.
        let ret = unsafe {
            sys::wimlib_create_decompressor(ctype(codec)?, chunk_size as usize, &mut raw)
        };
        if ret != 0 {
            return None;
        }
        NonNull::new(raw).map(Decompressor)
    }

    /// Decompresses `input` into exactly `out.len()` bytes; false if the data is invalid.
    pub(crate) fn decompress(&mut self, input: &[u8], out: &mut [u8]) -> bool {
        // SAFETY: both buffers are valid for their lengths for the whole call; wimlib reads
        // at most input.len() bytes and writes at most out.len() bytes, and the decompressor
        // is live and used by this thread only.
        let ret = unsafe {
            sys::wimlib_decompress(
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                self.0.as_ptr(),
            )
        };
        ret == 0
    }
}

impl Drop for Decompressor {
    fn drop(&mut self) {
        // SAFETY: the pointer came from wimlib_create_decompressor and is freed once.
        unsafe { sys::wimlib_free_decompressor(self.0.as_ptr()) };
    }
}

/// A chunk compressor for one codec and chunk size, at wimlib's default level.
pub(crate) struct Compressor(NonNull<sys::wimlib_compressor>);

// SAFETY: as for Decompressor: owned heap state, one thread at a time.
unsafe impl Send for Compressor {}

impl Compressor {
    /// A compressor, or `None` if wimlib refuses the codec or chunk size.
    pub(crate) fn new(codec: Codec, chunk_size: u32) -> Option<Compressor> {
        crate::init::ensure();
        let mut raw = std::ptr::null_mut();
        // SAFETY: raw is a valid out-pointer; level 0 means wimlib's default level.
        let ret = unsafe {
            sys::wimlib_create_compressor(ctype(codec)?, chunk_size as usize, 0, &mut raw)
        };
        if ret != 0 {
            return None;
        }
        NonNull::new(raw).map(Compressor)
    }

    /// Compresses `input` (at most the chunk size); `None` when the result would not be
    /// smaller than the input (the chunk is then stored raw).
    pub(crate) fn compress(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        if input.len() < 2 {
            return None;
        }
        let mut out = vec![0u8; input.len() - 1];
        // SAFETY: input is valid for reads and out for writes of their lengths during the
        // call; wimlib writes at most out.len() bytes and returns how many (0: did not fit).
        let n = unsafe {
            sys::wimlib_compress(
                input.as_ptr().cast(),
                input.len(),
                out.as_mut_ptr().cast(),
                out.len(),
                self.0.as_ptr(),
            )
        };
        if n == 0 || n >= input.len() {
            return None;
        }
        out.truncate(n);
        Some(out)
    }
}

impl Drop for Compressor {
    fn drop(&mut self) {
        // SAFETY: the pointer came from wimlib_create_compressor and is freed once.
        unsafe { sys::wimlib_free_compressor(self.0.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_each_codec() {
        let data: Vec<u8> = (0..32768u32)
            .map(|i| (i % 251) as u8 ^ (i / 1000) as u8)
            .collect();
        for codec in [Codec::Lzx, Codec::Xpress] {
            let c = Compressor::new(codec, 32768)
                .unwrap()
                .compress(&data)
                .unwrap();
            let mut out = vec![0u8; data.len()];
            assert!(Decompressor::new(codec, 32768)
                .unwrap()
                .decompress(&c, &mut out));
            assert_eq!(out, data);
            assert!(
                !Decompressor::new(codec, 32768)
                    .unwrap()
                    .decompress(&c[..c.len() / 2], &mut out)
                    || out != data
            );
        }
        assert!(Compressor::new(Codec::None, 32768).is_none());
    }
}
