//! A strict reader of Ogg page headers, enough to check that our own Opus output is a voice
//! note WhatsApp will play (RFC 3533 pages, RFC 7845 Opus mapping).
//!
//! It walks the pages and their CRCs without decoding audio, so it is cheap enough to run on
//! every reply before it is uploaded.

use std::time::Duration;

use super::AudioError;

/// What an Ogg/Opus voice note says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceNoteInfo {
    /// Channel count from the OpusHead header (WhatsApp voice notes are mono).
    pub channels: u16,
    /// Playing time: the last granule position minus the pre-skip, at Opus' fixed 48 kHz.
    pub duration: Duration,
    /// The encoder's input sample rate as recorded in OpusHead (informational: Opus always
    /// decodes at 48 kHz); 48000 when the header leaves it unset.
    pub sample_rate: u32,
}

/// Opus granule positions count 48 kHz samples whatever the input rate was (RFC 7845 §4).
const OPUS_GRANULE_RATE: u64 = 48_000;

/// Fixed part of an Ogg page header, before the segment table.
const PAGE_HEADER_LEN: usize = 27;

/// Header-type flag of the first page of a logical stream.
const BEGINNING_OF_STREAM: u8 = 0x02;

/// Checks that `bytes` are an Ogg/Opus stream (OpusHead in the first page, OpusTags next, every
/// page whole and its CRC right) and returns its channels and duration (from the last granule
/// position minus pre-skip, /48000).
///
/// Errors: [`AudioError::Empty`] for no bytes, [`AudioError::UnsupportedFormat`] when the bytes
/// are not Ogg or the Ogg stream is not Opus, [`AudioError::Corrupt`] for a damaged Ogg/Opus
/// stream or one without audio.
pub fn inspect_voice_note(bytes: &[u8]) -> Result<VoiceNoteInfo, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty);
    }
    if !bytes.starts_with(b"OggS") {
        return Err(AudioError::UnsupportedFormat);
    }
    let mut pages = Pages { rest: bytes };
    let first = pages.next_page()?.ok_or_else(|| corrupt("no Ogg page"))?;
    if first.header_type & BEGINNING_OF_STREAM == 0 {
        return Err(corrupt("the first page does not begin a stream"));
    }
    let head = OpusHead::parse(first.body)?;
    let serial = first.serial;

    let second = pages
        .next_page()?
        .ok_or_else(|| corrupt("no OpusTags page"))?;
    if second.serial != serial || !second.body.starts_with(b"OpusTags") {
        return Err(corrupt("the second page does not start with OpusTags"));
    }

    let mut last_granule: Option<u64> = None;
    while let Some(page) = pages.next_page()? {
        // Other logical streams (there should be none) are not ours to judge; -1 marks a page on
        // which no packet ends.
        if page.serial == serial && page.granule != u64::MAX {
            last_granule = Some(page.granule);
        }
    }
    let samples = last_granule
        .ok_or_else(|| corrupt("no audio pages"))?
        .saturating_sub(u64::from(head.pre_skip));
    if samples == 0 {
        return Err(corrupt("no audio after the pre-skip"));
    }
    Ok(VoiceNoteInfo {
        channels: u16::from(head.channels),
        duration: Duration::from_micros(
            samples.saturating_mul(1_000) / (OPUS_GRANULE_RATE / 1_000),
        ),
        sample_rate: if head.input_sample_rate == 0 {
            OPUS_GRANULE_RATE as u32
        } else {
            head.input_sample_rate
        },
    })
}

fn corrupt(why: &str) -> AudioError {
    AudioError::Corrupt(format!("Ogg/Opus: {why}"))
}

/// The fields of the OpusHead identification header we check or report.
struct OpusHead {
    channels: u8,
    pre_skip: u16,
    input_sample_rate: u32,
}

impl OpusHead {
    /// Parses the identification header, which must be the whole first page (RFC 7845 §3).
    fn parse(body: &[u8]) -> Result<Self, AudioError> {
        if !body.starts_with(b"OpusHead") {
            return Err(AudioError::UnsupportedFormat);
        }
        let field = |range: std::ops::Range<usize>| {
            body.get(range)
                .ok_or_else(|| corrupt("OpusHead is too short"))
        };
        let version = field(8..9)?[0];
        // Versions 0-15 share this layout; a higher major version is a different format.
        if version > 15 {
            return Err(corrupt("unknown OpusHead version"));
        }
        let channels = field(9..10)?[0];
        if channels == 0 {
            return Err(corrupt("OpusHead declares no channels"));
        }
        let pre_skip = u16::from_le_bytes([field(10..11)?[0], field(11..12)?[0]]);
        let rate = field(12..16)?;
        let input_sample_rate = u32::from_le_bytes([rate[0], rate[1], rate[2], rate[3]]);
        Ok(OpusHead {
            channels,
            pre_skip,
            input_sample_rate,
        })
    }
}

struct Page<'a> {
    header_type: u8,
    granule: u64,
    serial: u32,
    body: &'a [u8],
}

/// Iterates over the pages of an Ogg stream, checking each page's structure and CRC.
struct Pages<'a> {
    rest: &'a [u8],
}

impl<'a> Pages<'a> {
    /// The next page, `None` at the end of the bytes. Bytes that do not form a whole, valid page
    /// are an error: our encoder never writes junk between or after pages.
    fn next_page(&mut self) -> Result<Option<Page<'a>>, AudioError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let truncated = || corrupt("a page is cut short");
        // A fixed-size array: the constant indexes below are checked at compile time.
        let header: &[u8; PAGE_HEADER_LEN] = self
            .rest
            .get(..PAGE_HEADER_LEN)
            .and_then(|header| header.try_into().ok())
            .ok_or_else(truncated)?;
        if !header.starts_with(b"OggS") {
            return Err(corrupt("bytes that are not an Ogg page"));
        }
        let le_u32 = |at: usize| {
            let mut word = [0; 4];
            word.copy_from_slice(&header[at..at + 4]);
            u32::from_le_bytes(word)
        };
        if header[4] != 0 {
            return Err(corrupt("unknown Ogg version"));
        }
        let header_type = header[5];
        let granule = u64::from(le_u32(6)) | (u64::from(le_u32(10)) << 32);
        let serial = le_u32(14);
        let crc = le_u32(22);
        let segments = usize::from(header[26]);
        let table = self
            .rest
            .get(PAGE_HEADER_LEN..PAGE_HEADER_LEN + segments)
            .ok_or_else(truncated)?;
        let body_len: usize = table.iter().map(|&lacing| usize::from(lacing)).sum();
        let page_len = PAGE_HEADER_LEN + segments + body_len;
        let page = self.rest.get(..page_len).ok_or_else(truncated)?;
        if ogg_crc(page) != crc {
            return Err(corrupt("a page fails its CRC check"));
        }
        let body = page
            .get(PAGE_HEADER_LEN + segments..)
            .ok_or_else(truncated)?;
        self.rest = self.rest.get(page_len..).unwrap_or_default();
        Ok(Some(Page {
            header_type,
            granule,
            serial,
            body,
        }))
    }
}

/// CRC-32 of a page as Ogg defines it (polynomial 0x04c11db7, no reflection, zero initial value
/// and final XOR), computed with the checksum field itself taken as zero.
fn ogg_crc(page: &[u8]) -> u32 {
    static TABLE: std::sync::LazyLock<[u32; 256]> = std::sync::LazyLock::new(|| {
        let mut table = [0u32; 256];
        for (byte, entry) in (0u32..).zip(table.iter_mut()) {
            let mut crc = byte << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 {
                    (crc << 1) ^ 0x04c1_1db7
                } else {
                    crc << 1
                };
            }
            *entry = crc;
        }
        table
    });
    page.iter().enumerate().fold(0u32, |crc, (at, &byte)| {
        let byte = if (22..26).contains(&at) { 0 } else { byte };
        (crc << 8) ^ TABLE[usize::from((crc >> 24) as u8 ^ byte)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds one Ogg page with a correct CRC around `body` (fewer than 255 bytes).
    fn page(header_type: u8, granule: u64, serial: u32, sequence: u32, body: &[u8]) -> Vec<u8> {
        let mut page = b"OggS\0".to_vec();
        page.push(header_type);
        page.extend_from_slice(&granule.to_le_bytes());
        page.extend_from_slice(&serial.to_le_bytes());
        page.extend_from_slice(&sequence.to_le_bytes());
        page.extend_from_slice(&[0; 4]);
        page.push(1);
        page.push(body.len() as u8);
        page.extend_from_slice(body);
        let crc = ogg_crc(&page);
        page[22..26].copy_from_slice(&crc.to_le_bytes());
        page
    }

    fn opus_head(channels: u8, pre_skip: u16, rate: u32) -> Vec<u8> {
        let mut head = b"OpusHead\x01".to_vec();
        head.push(channels);
        head.extend_from_slice(&pre_skip.to_le_bytes());
        head.extend_from_slice(&rate.to_le_bytes());
        head.extend_from_slice(&[0, 0, 0]); // output gain, mapping family
        head
    }

    fn voice_note(last_granule: u64) -> Vec<u8> {
        let mut note = page(2, 0, 9, 0, &opus_head(1, 312, 16_000));
        note.extend(page(0, 0, 9, 1, b"OpusTags\0\0\0\0\0\0\0\0"));
        note.extend(page(0, 48_312, 9, 2, &[0xf8; 40]));
        note.extend(page(4, last_granule, 9, 3, &[0xf8; 40]));
        note
    }

    #[test]
    fn crc_matches_the_ogg_reference_value() {
        // The CRC of "123456789" under Ogg's parameters (CRC-32/MPEG-2 without the inversions).
        assert_eq!(ogg_crc(b"123456789"), 0x89a1_897f);
    }

    #[test]
    fn reads_channels_duration_and_rate() {
        let info = inspect_voice_note(&voice_note(96_312)).expect("valid");
        assert_eq!(
            info,
            VoiceNoteInfo {
                channels: 1,
                duration: Duration::from_secs(2),
                sample_rate: 16_000,
            }
        );
    }

    #[test]
    fn a_flipped_bit_fails_the_crc() {
        let mut note = voice_note(96_312);
        let last = note.len() - 1;
        note[last] ^= 1;
        assert!(matches!(
            inspect_voice_note(&note),
            Err(AudioError::Corrupt(_))
        ));
    }

    #[test]
    fn cut_short_or_headers_only_is_corrupt() {
        let note = voice_note(96_312);
        for len in [30, 60, note.len() - 1] {
            assert!(
                matches!(
                    inspect_voice_note(&note[..len]),
                    Err(AudioError::Corrupt(_))
                ),
                "{len} bytes"
            );
        }
        let mut headers = page(2, 0, 9, 0, &opus_head(1, 312, 48_000));
        headers.extend(page(0, 0, 9, 1, b"OpusTags\0\0\0\0\0\0\0\0"));
        assert!(matches!(
            inspect_voice_note(&headers),
            Err(AudioError::Corrupt(_))
        ));
    }

    #[test]
    fn ogg_that_is_not_opus_and_non_ogg_are_unsupported() {
        let vorbis = page(2, 0, 9, 0, b"\x01vorbis\0\0\0\0\x01\x80\xbb\0\0");
        assert!(matches!(
            inspect_voice_note(&vorbis),
            Err(AudioError::UnsupportedFormat)
        ));
        assert!(matches!(
            inspect_voice_note(b"ID3\x04"),
            Err(AudioError::UnsupportedFormat)
        ));
        assert!(matches!(inspect_voice_note(&[]), Err(AudioError::Empty)));
    }
}
