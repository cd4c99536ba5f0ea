//! The local CA's name constraints extension (RFC 5280 §4.2.1.10), DER-encoded here because
//! rcgen's `NameConstraints` has no URI subtrees.
//!
//! The CA may vouch for the emulated DNS zones and for nothing else, whatever the name form:
//! - DNS names: the zones, permitted;
//! - IP addresses: every IPv4 and IPv6 address (`0.0.0.0/0`, `::/0`), excluded;
//! - e-mail addresses and URIs: permitted only below `.invalid`, a name that can never exist
//!   (RFC 6761 §6.4). An excluded empty subtree would say "all" to Go and NSS but matches
//!   nothing in OpenSSL and is a parse error in Java; a permitted `.invalid` is understood the
//!   same by all of them, and webpki rejects every e-mail or URI name under any such constraint.

/// `id-ce-nameConstraints`.
pub(super) const NAME_CONSTRAINTS_OID: &[u64] = &[2, 5, 29, 30];

/// The only domain e-mail addresses and URIs may be in: one that cannot exist.
const NOWHERE: &str = ".invalid";

// Context-specific tags of the GeneralName forms used (RFC 5280 §4.2.1.6), all primitive.
const RFC822_NAME: u8 = 0x81;
const DNS_NAME: u8 = 0x82;
const URI: u8 = 0x86;
const IP_ADDRESS: u8 = 0x87;
const SEQUENCE: u8 = 0x30;
const PERMITTED: u8 = 0xa0;
const EXCLUDED: u8 = 0xa1;

/// Appends one DER TLV.
fn tlv(tag: u8, content: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// `GeneralSubtree ::= SEQUENCE { base GeneralName }` (minimum 0 and maximum absent, as the
/// profile requires).
fn subtree(tag: u8, base: &[u8], out: &mut Vec<u8>) {
    let mut name = Vec::with_capacity(base.len() + 4);
    tlv(tag, base, &mut name);
    tlv(SEQUENCE, &name, out);
}

/// The extension's value: `NameConstraints ::= SEQUENCE { permittedSubtrees [0],
/// excludedSubtrees [1] }` for `zones`.
pub(super) fn name_constraints_der(zones: &[String]) -> Vec<u8> {
    let mut permitted = Vec::new();
    for zone in zones {
        subtree(DNS_NAME, zone.as_bytes(), &mut permitted);
    }
    subtree(RFC822_NAME, NOWHERE.as_bytes(), &mut permitted);
    subtree(URI, NOWHERE.as_bytes(), &mut permitted);
    let mut excluded = Vec::new();
    // Address and mask, all zero: every address of the family.
    subtree(IP_ADDRESS, &[0; 8], &mut excluded);
    subtree(IP_ADDRESS, &[0; 32], &mut excluded);
    let mut both = Vec::new();
    tlv(PERMITTED, &permitted, &mut both);
    tlv(EXCLUDED, &excluded, &mut both);
    let mut out = Vec::new();
    tlv(SEQUENCE, &both, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_of_128_bytes_and_more_take_the_long_form() {
        let mut out = Vec::new();
        tlv(0x04, &[7; 200], &mut out);
        assert_eq!(&out[..3], &[0x04, 0x81, 200]);
        out.clear();
        tlv(0x04, &[7; 300], &mut out);
        assert_eq!(&out[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(out.len(), 304);
    }

    #[test]
    fn the_extension_permits_the_zones_and_excludes_every_address() {
        let der = name_constraints_der(&["a.example".to_string()]);
        let expected: Vec<u8> = [
            &[0x30, 89, 0xa0, 37][..],
            &[0x30, 11, 0x82, 9],
            b"a.example",
            &[0x30, 10, 0x81, 8],
            b".invalid",
            &[0x30, 10, 0x86, 8],
            b".invalid",
            &[0xa1, 48, 0x30, 10, 0x87, 8],
            &[0; 8],
            &[0x30, 34, 0x87, 32],
            &[0; 32],
        ]
        .concat();
        assert_eq!(der, expected);
    }
}
