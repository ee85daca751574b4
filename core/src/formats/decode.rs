//! Number decoding: binary numbers of one type and byte order to `f64`, split into components.
//!
//! This is the one module of the format layer with `unsafe`: a `&mut [f64]` is viewed as bytes
//! so that float64 data is read from the file straight into the output and byte-swapped in
//! place, touching the data once.

use std::fs::File;
use std::path::Path;

use super::BinaryValues;
use crate::error::{Error, Result};

/// The binary number type of a data or axis file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberType {
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// IEEE float32.
    F32,
    /// IEEE float64.
    F64,
}

impl NumberType {
    /// Bytes per number.
    pub const fn size(self) -> usize {
        match self {
            NumberType::I8 => 1,
            NumberType::I16 => 2,
            NumberType::I32 | NumberType::F32 => 4,
            NumberType::F64 => 8,
        }
    }
}

/// The byte order of a binary file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Most significant byte first.
    Big,
    /// Least significant byte first.
    Little,
}

/// A binary number type of the files, decoded to `f64` (every one converts exactly).
trait FileNumber {
    /// Bytes per number.
    const SIZE: usize;
    /// The number in `bytes` (exactly [`FileNumber::SIZE`] long), most significant byte
    /// first where `BIG`.
    fn to_f64<const BIG: bool>(bytes: &[u8]) -> f64;
}

/// Implements [`FileNumber`] for a primitive number type of `$n` bytes.
macro_rules! file_number {
    ($($t:ty: $n:literal),*) => {$(
        impl FileNumber for $t {
            const SIZE: usize = $n;

            #[inline(always)]
            fn to_f64<const BIG: bool>(bytes: &[u8]) -> f64 {
                let mut a = [0u8; $n];
                a.copy_from_slice(bytes);
                f64::from(if BIG { <$t>::from_be_bytes(a) } else { <$t>::from_le_bytes(a) })
            }
        }
    )*};
}
file_number!(i8: 1, i16: 2, i32: 4, f32: 4, f64: 8);

/// Calls the generic function `$f::<T, BIG>($args)` for the Rust type `T` of the file number
/// type `$ty` and `BIG` for the byte order `$order`.
macro_rules! by_number_type {
    ($ty:expr, $order:expr, $f:ident($($arg:expr),*)) => {{
        let big = $order == ByteOrder::Big;
        match ($ty, big) {
            (NumberType::I8, _) => $f::<i8, false>($($arg),*),
            (NumberType::I16, true) => $f::<i16, true>($($arg),*),
            (NumberType::I16, false) => $f::<i16, false>($($arg),*),
            (NumberType::I32, true) => $f::<i32, true>($($arg),*),
            (NumberType::I32, false) => $f::<i32, false>($($arg),*),
            (NumberType::F32, true) => $f::<f32, true>($($arg),*),
            (NumberType::F32, false) => $f::<f32, false>($($arg),*),
            (NumberType::F64, true) => $f::<f64, true>($($arg),*),
            (NumberType::F64, false) => $f::<f64, false>($($arg),*),
        }
    }};
}

/// Decodes whole numbers of `bytes` into `out` (one `f64` per number; `out.len()` numbers are
/// decoded and `bytes` must hold at least that many). Integer and float32 values convert
/// exactly.
pub fn decode_to_f64(bytes: &[u8], ty: NumberType, order: ByteOrder, out: &mut [f64]) {
    debug_assert!(bytes.len() >= out.len() * ty.size());
    by_number_type!(ty, order, decode_numbers(bytes, out))
}

/// [`decode_to_f64`] for one number type and byte order.
fn decode_numbers<T: FileNumber, const BIG: bool>(bytes: &[u8], out: &mut [f64]) {
    for (o, c) in out.iter_mut().zip(bytes.chunks_exact(T::SIZE)) {
        *o = T::to_f64::<BIG>(c);
    }
}

/// Decodes `out.len() / n` planes of `n` numbers each (`bytes`: plane after plane) into `out`
/// interleaved, point by point (`re, im` for two planes): planar file data decoded straight
/// into the output, without a scratch buffer of `f64`.
fn decode_planes(bytes: &[u8], ty: NumberType, order: ByteOrder, n: usize, out: &mut [f64]) {
    debug_assert!(bytes.len() >= out.len() * ty.size());
    by_number_type!(ty, order, decode_planes_of(bytes, n, out))
}

/// [`decode_planes`] for one number type and byte order.
fn decode_planes_of<T: FileNumber, const BIG: bool>(bytes: &[u8], n: usize, out: &mut [f64]) {
    let width = out.len() / n.max(1);
    let plane = n * T::SIZE;
    if width == 2 {
        // Complex values, the common case, in one pass over both planes.
        let (re, im) = bytes[..2 * plane].split_at(plane);
        let pairs = re.chunks_exact(T::SIZE).zip(im.chunks_exact(T::SIZE));
        for (point, (r, i)) in out.chunks_exact_mut(2).zip(pairs) {
            point[0] = T::to_f64::<BIG>(r);
            point[1] = T::to_f64::<BIG>(i);
        }
        return;
    }
    for (j, numbers) in bytes.chunks_exact(plane).take(width).enumerate() {
        for (point, c) in out
            .chunks_exact_mut(width)
            .zip(numbers.chunks_exact(T::SIZE))
        {
            point[j] = T::to_f64::<BIG>(c);
        }
    }
}

/// Output buffers of at least this many bytes are backed by transparent huge pages where the
/// system offers them.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// A vector of `n` zeros for decoded values, allocated as `vec![0.0; n]` allocates it (zeroed
/// memory straight from the allocator, which for large sizes is untouched pages), or `None`
/// where that allocation fails and `vec!` would abort the process. Large buffers are marked
/// for transparent huge pages, so that filling them costs one page fault per 2 MiB instead of
/// one per 4 KiB (the main cost of a large load).
pub fn try_zeroed_f64(n: usize) -> Option<Vec<f64>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<f64>(n).ok()?;
    // SAFETY: `layout` has a non-zero size (n > 0), as `alloc_zeroed` requires.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<f64>();
    if ptr.is_null() {
        return None;
    }
    if layout.size() >= HUGE_PAGE_MIN_BYTES {
        const HUGE: usize = 2 << 20;
        let begin = (ptr as usize).next_multiple_of(HUGE);
        let end = (ptr as usize + layout.size()) & !(HUGE - 1);
        if end > begin {
            // SAFETY: the range [begin, end) lies inside the allocation just made.
            unsafe {
                crate::sys::advise_huge_pages(
                    ptr.cast::<u8>().wrapping_add(begin - ptr as usize),
                    end - begin,
                );
            }
        }
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of `[f64; n]`, which
    // is the layout a `Vec<f64>` of capacity `n` uses; all `n` values are initialised (all-zero
    // bits are 0.0), so the length `n` is valid; the Vec takes ownership and frees it with the
    // same layout.
    Some(unsafe { Vec::from_raw_parts(ptr, n, n) })
}

/// Bytes read per block when data are decoded through a scratch buffer.
const BLOCK_BYTES: usize = 256 << 10;

/// float64 values read per block straight into the output: half the CPU's level-2 cache,
/// from 64 KiB to 1 MiB (256 KiB where the system does not say), so that few system calls
/// are made and a block is still in the core's L2 cache when it is byte-swapped (a 1 MiB
/// block on a core with 512 KiB or 1 MiB of L2 is swapped from L3: measured 0.36 x memcpy
/// against 0.76 x with a block that fits).
fn f64_block_values() -> usize {
    let bytes =
        crate::sys::l2_cache_bytes().map_or(256 << 10, |l2| (l2 / 2).clamp(64 << 10, 1 << 20));
    bytes / 8
}

/// Reverses the bytes of every value in place (big-endian file data on a little-endian
/// machine). With AVX2 (checked at run time) the loop is compiled to 32-byte shuffles; the
/// plain x86-64 target has no byte shuffle and swaps one value at a time.
fn swap_bytes_f64(values: &mut [f64]) {
    fn swap(values: &mut [f64]) {
        for v in values {
            *v = f64::from_bits(v.to_bits().swap_bytes());
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn swap_avx2(values: &mut [f64]) {
            swap(values)
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of
            // calling a function compiled with that target feature.
            unsafe { swap_avx2(values) };
            return;
        }
    }
    swap(values)
}

/// The byte order of this machine.
const fn native_order() -> ByteOrder {
    if cfg!(target_endian = "big") {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    }
}

/// Where the numbers of one component sit within a point: `offset` numbers after the start
/// of the point, `width` numbers wide (1 real, 2 complex).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentSlot {
    /// Numbers before this component within a point.
    pub offset: usize,
    /// Numbers of this component per point (1 or 2).
    pub width: usize,
}

/// Reads `points` points of `per_point` numbers starting at byte `start` of `file` and decodes
/// them into `outputs` (one slice per component, each `points * width` long), splitting the
/// components. A file that ends early gives a [`crate::ErrorKind::FileChanged`] error naming
/// `path`, since its length was checked before the read.
pub fn read_points(
    file: &File,
    path: &Path,
    start: u64,
    ty: NumberType,
    order: ByteOrder,
    slots: &[ComponentSlot],
    outputs: &mut [&mut [f64]],
) -> Result<()> {
    debug_assert_eq!(slots.len(), outputs.len());
    let per_point: usize = slots.iter().map(|s| s.width).sum();
    let point_bytes = per_point * ty.size();
    let points = outputs
        .first()
        .map_or(0, |o| o.len() / slots[0].width.max(1));
    if slots.len() == 1 {
        return read_numbers(file, path, start, ty, order, outputs[0], &mut Vec::new());
    }
    // A block of at most BLOCK_BYTES of file bytes, and never more points than there are: the
    // scratch holds f64, up to 8 times the file bytes, so a full block for a small file would
    // allocate up to 8 MiB for a few bytes of data.
    let points_per_block = (BLOCK_BYTES / point_bytes).max(1).min(points);
    let mut scratch = vec![0f64; points_per_block * per_point];
    let mut bytes = Vec::new();
    let mut done = 0;
    while done < points {
        let n = points_per_block.min(points - done);
        let block = &mut scratch[..n * per_point];
        let at = start + (done * point_bytes) as u64;
        read_numbers(file, path, at, ty, order, block, &mut bytes)?;
        for (slot, out) in slots.iter().zip(outputs.iter_mut()) {
            let out = &mut out[done * slot.width..(done + n) * slot.width];
            for (point, dst) in block
                .chunks_exact(per_point)
                .zip(out.chunks_exact_mut(slot.width))
            {
                dst.copy_from_slice(&point[slot.offset..slot.offset + slot.width]);
            }
        }
        done += n;
    }
    Ok(())
}

/// Reads the points from `first` on of a data file whose values `values` describes
/// (`points` points in all) into `outputs` (one per slot, each a whole number of points of
/// its width), with up to `threads` threads, each reading and decoding its own range of points.
pub fn read_slots(
    file: &File,
    values: &BinaryValues,
    points: usize,
    first: usize,
    slots: &[ComponentSlot],
    outputs: &mut [&mut [f64]],
    threads: usize,
) -> Result<()> {
    let per_point: usize = slots.iter().map(|s| s.width).sum();
    let count = outputs
        .first()
        .map_or(0, |o| o.len() / slots[0].width.max(1));
    let read = |start_point: usize, outs: &mut [&mut [f64]]| {
        if values.planar {
            read_planar(file, values, points, start_point, slots, outs)
        } else {
            let at = values.offset + (start_point * per_point * values.number.size()) as u64;
            read_points(
                file,
                &values.path,
                at,
                values.number,
                values.order,
                slots,
                outs,
            )
        }
    };
    let threads = threads.clamp(1, count.max(1));
    if threads == 1 {
        return read(first, outputs);
    }
    let per_thread = count.div_ceil(threads);
    // Split every output at the same point boundaries: parts[t][c] is thread t's share of
    // component c.
    let mut parts: Vec<Vec<&mut [f64]>> = (0..threads).map(|_| Vec::new()).collect();
    for (slot, out) in slots.iter().zip(outputs.iter_mut()) {
        let mut rest: &mut [f64] = out;
        for part in parts.iter_mut() {
            let take = (per_thread * slot.width).min(rest.len());
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
            part.push(head);
            rest = tail;
        }
    }
    // Where the system refuses a thread, its range is decoded on the calling thread.
    let tasks: Vec<_> = parts
        .into_iter()
        .enumerate()
        .map(|(t, mut outs)| move || read(first + t * per_thread, &mut outs))
        .collect();
    crate::threads::run_scoped(tasks)
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|_| {
                Err(Error::new(
                    crate::ErrorKind::Panic,
                    "a decoding thread panicked",
                ))
            })
        })
        .collect::<Result<Vec<()>>>()
        .map(|_| ())
}

/// File bytes read per block of planar values: the block stays in the core's cache and far
/// below the sizes at which the allocator maps or trims memory, and a file of a few hundred
/// kilobytes is read in a few calls.
const PLANAR_BLOCK_BYTES: usize = 64 << 10;

/// [`read_slots`] for planar values: number `j` of every point is in a block of its own,
/// `points` numbers long, starting `j` blocks after the first value. A slot of one number per
/// point is read straight into its output; for wider slots (complex values) a range of each
/// block is read into a byte buffer and decoded into the output interleaved, in one pass.
fn read_planar(
    file: &File,
    values: &BinaryValues,
    points: usize,
    first: usize,
    slots: &[ComponentSlot],
    outputs: &mut [&mut [f64]],
) -> Result<()> {
    let size = values.number.size();
    let count = outputs
        .first()
        .map_or(0, |o| o.len() / slots[0].width.max(1));
    let (number, order, path) = (values.number, values.order, &values.path);
    let mut bytes = Vec::new();
    for (slot, out) in slots.iter().zip(outputs.iter_mut()) {
        let width = slot.width.max(1);
        let per_block = (PLANAR_BLOCK_BYTES / (size * width)).clamp(1, count.max(1));
        let mut done = 0;
        while done < count {
            let n = per_block.min(count - done);
            let part = &mut out[done * width..(done + n) * width];
            // Byte offset of number `j` of point `first + done`.
            let at = |j: usize| {
                values.offset
                    + ((slot.offset + j) as u64 * points as u64 + (first + done) as u64)
                        * size as u64
            };
            if width == 1 {
                read_numbers(file, path, at(0), number, order, part, &mut bytes)?;
            } else {
                bytes.resize(n * width * size, 0);
                if n == points {
                    // Whole planes lie one after the other in the file: one read.
                    read_bytes_at(file, path, at(0), &mut bytes)?;
                } else {
                    for (j, plane) in bytes.chunks_exact_mut(n * size).enumerate() {
                        read_bytes_at(file, path, at(j), plane)?;
                    }
                }
                decode_planes(&bytes, number, order, n, part);
            }
            done += n;
        }
    }
    Ok(())
}

/// Fills `bytes` from byte `start` of `file` (the data file at `path`, whose length was
/// checked before): a file that ends early is a [`crate::ErrorKind::FileChanged`] error, or a
/// format error where its size still claims the bytes (a file of /proc or /sys).
fn read_bytes_at(file: &File, path: &Path, start: u64, bytes: &mut [u8]) -> Result<()> {
    crate::sys::read_exact_at(file, bytes, start)
        .map_err(|e| short_read(file, path, start, bytes.len(), &e))
}

/// The error of a read of `len` bytes at `start` of `file` that failed with `e`.
fn short_read(file: &File, path: &Path, start: u64, len: usize, e: &std::io::Error) -> Error {
    if e.kind() != std::io::ErrorKind::UnexpectedEof {
        return Error::io(path, "read", e);
    }
    let end = start + len as u64;
    match file.metadata().map(|m| m.len()) {
        // The file still claims the bytes it did not give: its size is not its content.
        Ok(file_len) if file_len >= end => Error::format(
            path,
            format!(
                "file ended before byte {end} although its size is {file_len} bytes: not a data \
                 file (a file whose size is not its content, as in /proc or /sys)"
            ),
        ),
        Ok(file_len) => Error::new(
            crate::ErrorKind::FileChanged,
            format!(
                "{}: file was truncated to {file_len} bytes while it was read (reading {len} \
                 bytes at offset {start}); load again",
                path.display(),
            ),
        ),
        Err(e) => Error::io(path, "stat", &e),
    }
}

/// Reads `out.len()` numbers from byte `start` of `file` and decodes them into `out`, through
/// `scratch` where they are not float64 (grown as needed and kept, so that a caller reading
/// many small blocks allocates it once).
pub fn read_numbers(
    file: &File,
    path: &Path,
    start: u64,
    ty: NumberType,
    order: ByteOrder,
    out: &mut [f64],
    scratch: &mut Vec<u8>,
) -> Result<()> {
    if ty == NumberType::F64 {
        // Read a block straight into the output and swap it while it is still in cache: the
        // data are touched once on their way from the page cache.
        let swap = order != native_order();
        let mut offset = start;
        for block in out.chunks_mut(f64_block_values()) {
            // SAFETY: `block` is a valid, exclusively borrowed slice of f64; a byte view of the
            // same memory has `size_of_val(block)` bytes and alignment 1, and every bit pattern
            // written into it is a valid f64.
            let bytes = unsafe {
                std::slice::from_raw_parts_mut(
                    block.as_mut_ptr().cast::<u8>(),
                    std::mem::size_of_val(block),
                )
            };
            read_bytes_at(file, path, offset, bytes)?;
            offset += bytes.len() as u64;
            if swap {
                swap_bytes_f64(block);
            }
        }
        return Ok(());
    }
    let size = ty.size();
    let per_block = BLOCK_BYTES / size;
    let needed = per_block.min(out.len()) * size;
    if scratch.len() < needed {
        scratch.resize(needed, 0);
    }
    let mut offset = start;
    for chunk in out.chunks_mut(per_block) {
        let bytes = &mut scratch[..chunk.len() * size];
        read_bytes_at(file, path, offset, bytes)?;
        decode_to_f64(bytes, ty, order, chunk);
        offset += bytes.len() as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_and_order_decodes_exactly() {
        let mut out = [0.0; 2];
        decode_to_f64(&[0xff, 0x7f], NumberType::I8, ByteOrder::Big, &mut out);
        assert_eq!(out, [-1.0, 127.0]);
        decode_to_f64(
            &[0x80, 0x00, 0x00, 0x01],
            NumberType::I16,
            ByteOrder::Big,
            &mut out,
        );
        assert_eq!(out, [-32768.0, 1.0]);
        decode_to_f64(
            &[0x00, 0x80, 0x01, 0x00],
            NumberType::I16,
            ByteOrder::Little,
            &mut out,
        );
        assert_eq!(out, [-32768.0, 1.0]);
        let mut one = [0.0; 1];
        decode_to_f64(
            &(-7i32).to_be_bytes(),
            NumberType::I32,
            ByteOrder::Big,
            &mut one,
        );
        assert_eq!(one, [-7.0]);
        decode_to_f64(
            &0.1f32.to_le_bytes(),
            NumberType::F32,
            ByteOrder::Little,
            &mut one,
        );
        assert_eq!(one, [f64::from(0.1f32)]);
        decode_to_f64(
            &0.1f64.to_be_bytes(),
            NumberType::F64,
            ByteOrder::Big,
            &mut one,
        );
        assert_eq!(one, [0.1]);
    }
}
