//! IP addresses and CIDR ranges as rules name them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::error::IpRangeError;

/// An IPv4 or IPv6 address or CIDR range: `192.0.2.7`, `192.0.2.0/24`, `2001:db8::/32`.
///
/// Parsing is strict: a range must not have host bits set (`192.0.2.1/24` is refused with
/// its network, `192.0.2.0/24`, in the error, as it is usually a typo). An IPv4-mapped
/// range (`::ffff:192.0.2.0/120`) is stored as the IPv4 range it maps (`192.0.2.0/24`), and
/// [`IpRange::contains`] compares an IPv4-mapped client address as the IPv4 address it
/// carries, so a dual-stack listener's `::ffff:a.b.c.d` peers match IPv4 rules. A plain
/// address is the one-address range (`/32`, `/128`) and is written back without a prefix.
///
/// ```
/// use std::net::IpAddr;
/// use playback_auth_claims::{IpRange, IpRangeError};
///
/// let range: IpRange = "192.0.2.0/24".parse()?;
/// assert!(range.contains("192.0.2.200".parse::<IpAddr>().unwrap()));
/// assert!(range.contains("::ffff:192.0.2.200".parse::<IpAddr>().unwrap()));
/// assert!(!range.contains("198.51.100.1".parse::<IpAddr>().unwrap()));
/// assert!(matches!("192.0.2.1/24".parse::<IpRange>(), Err(IpRangeError::HostBitsSet { .. })));
/// # Ok::<(), IpRangeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange(IpNet);

impl IpRange {
    /// Parses an address or a CIDR range (see the type's docs for the rules).
    pub fn parse(text: &str) -> Result<Self, IpRangeError> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address = IpAddr::from_str(address).map_err(|_| IpRangeError::InvalidAddress)?;
        let max = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            None => max,
            // `u8::from_str` accepts a leading `+`; a prefix is digits only.
            Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits
                    .parse::<u8>()
                    .ok()
                    .filter(|prefix| *prefix <= max)
                    .ok_or(IpRangeError::InvalidPrefix { max })?
            }
            Some(_) => return Err(IpRangeError::InvalidPrefix { max }),
        };
        let net = IpNet::new(address, prefix).map_err(|_| IpRangeError::InvalidPrefix { max })?;
        if net.trunc() != net {
            return Err(IpRangeError::HostBitsSet {
                network: Self(net.trunc()).to_string(),
            });
        }
        Ok(Self::canonical(net))
    }

    /// An IPv4-mapped range of at least 96 bits is the IPv4 range it maps.
    fn canonical(net: IpNet) -> Self {
        if let IpNet::V6(v6) = net
            && v6.prefix_len() >= 96
            && let Some(v4) = v6.addr().to_ipv4_mapped()
            && let Ok(mapped) = Ipv4Net::new(v4, v6.prefix_len() - 96)
        {
            return Self(IpNet::V4(mapped));
        }
        Self(net)
    }

    /// The range holding exactly `address` (an IPv4-mapped address becomes its IPv4 address).
    pub fn from_address(address: IpAddr) -> Self {
        Self(match address.to_canonical() {
            IpAddr::V4(v4) => IpNet::V4(Ipv4Net::from(v4)),
            IpAddr::V6(v6) => IpNet::V6(Ipv6Net::from(v6)),
        })
    }

    /// Whether `address` is in the range; an IPv4-mapped IPv6 address is compared as the
    /// IPv4 address it carries.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.contains(&address.to_canonical())
    }

    /// The network address (`192.0.2.0` for `192.0.2.0/24`).
    pub fn network(&self) -> IpAddr {
        self.0.network()
    }

    /// The prefix length (24 for `192.0.2.0/24`; 32 or 128 for one address).
    pub fn prefix_len(&self) -> u8 {
        self.0.prefix_len()
    }

    /// Whether this is an IPv4 range (after mapping IPv4-mapped ranges).
    pub fn is_ipv4(&self) -> bool {
        matches!(self.0, IpNet::V4(_))
    }

    /// The range as an [`IpNet`].
    pub fn as_ipnet(&self) -> IpNet {
        self.0
    }
}

impl FromStr for IpRange {
    type Err = IpRangeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl From<Ipv4Addr> for IpRange {
    fn from(address: Ipv4Addr) -> Self {
        Self::from_address(IpAddr::V4(address))
    }
}

impl From<Ipv6Addr> for IpRange {
    fn from(address: Ipv6Addr) -> Self {
        Self::from_address(IpAddr::V6(address))
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            write!(f, "{}", self.0.addr())
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl fmt::Debug for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IpRange({self})")
    }
}

crate::country::serde_via_str!(IpRange);

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn ranges_and_addresses_parse_and_write_back() {
        for (input, written) in [
            ("192.0.2.0/24", "192.0.2.0/24"),
            ("192.0.2.7", "192.0.2.7"),
            ("192.0.2.7/32", "192.0.2.7"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("2001:db8::1", "2001:db8::1"),
            ("::/0", "::/0"),
            ("::ffff:192.0.2.0/120", "192.0.2.0/24"),
            ("::ffff:192.0.2.9", "192.0.2.9"),
        ] {
            assert_eq!(
                IpRange::parse(input).map(|r| r.to_string()),
                Ok(written.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn malformed_ranges_are_refused_with_their_cause() {
        for (input, expected) in [
            ("", IpRangeError::InvalidAddress),
            ("192.0.2", IpRangeError::InvalidAddress),
            ("192.0.2.0/", IpRangeError::InvalidPrefix { max: 32 }),
            ("192.0.2.0/33", IpRangeError::InvalidPrefix { max: 32 }),
            ("192.0.2.0/+24", IpRangeError::InvalidPrefix { max: 32 }),
            ("192.0.2.0/24/1", IpRangeError::InvalidPrefix { max: 32 }),
            ("2001:db8::/129", IpRangeError::InvalidPrefix { max: 128 }),
            (" 192.0.2.0/24", IpRangeError::InvalidAddress),
            (
                "192.0.2.1/24",
                IpRangeError::HostBitsSet {
                    network: "192.0.2.0/24".into(),
                },
            ),
            (
                "2001:db8::1/32",
                IpRangeError::HostBitsSet {
                    network: "2001:db8::/32".into(),
                },
            ),
        ] {
            assert_eq!(IpRange::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn ipv4_mapped_addresses_match_ipv4_rules_and_ipv6_rules_do_not_match_ipv4() {
        let Ok(v4) = IpRange::parse("198.51.100.0/24") else {
            panic!("range")
        };
        assert!(v4.contains(ip("198.51.100.1")));
        assert!(v4.contains(ip("::ffff:198.51.100.1")));
        assert!(!v4.contains(ip("::ffff:198.51.101.1")));
        let Ok(mapped) = IpRange::parse("::ffff:198.51.100.0/120") else {
            panic!("range")
        };
        assert_eq!(mapped, v4);
        let Ok(v6) = IpRange::parse("2001:db8:1::/48") else {
            panic!("range")
        };
        assert!(v6.contains(ip("2001:db8:1:ffff::1")));
        assert!(!v6.contains(ip("2001:db8:2::1")));
        assert!(!v6.contains(ip("198.51.100.1")));
        let Ok(all_v6) = IpRange::parse("::/0") else {
            panic!("range")
        };
        assert!(
            !all_v6.contains(ip("::ffff:198.51.100.1")),
            "a mapped client is an IPv4 client"
        );
    }
}
