//! Allowed and blocked IP ranges, looked up by longest prefix.

use std::collections::HashMap;
use std::net::IpAddr;

use playback_auth_claims::{IpRange, RuleAction};

/// Ranges of one address family, grouped by prefix length (longest first), so a lookup is
/// one hash probe per distinct prefix length present — at most 33 for IPv4, usually a
/// handful — whatever the number of ranges.
#[derive(Debug, Clone, Default)]
struct PrefixTable {
    levels: Vec<(u8, Level)>,
}

/// The networks of one prefix length, by their masked address.
type Level = HashMap<u128, (RuleAction, IpRange)>;

impl PrefixTable {
    fn insert(
        &mut self,
        key: u128,
        prefix: u8,
        entry: (RuleAction, IpRange),
    ) -> Option<RuleAction> {
        let position = match self.levels.binary_search_by(|(len, _)| prefix.cmp(len)) {
            Ok(position) => position,
            Err(position) => {
                self.levels.insert(position, (prefix, HashMap::new()));
                position
            }
        };
        self.levels
            .get_mut(position)
            .and_then(|(_, map)| map.insert(key, entry))
            .map(|(action, _)| action)
    }

    fn longest_match(&self, key: u128, bits: u32) -> Option<&(RuleAction, IpRange)> {
        self.levels.iter().find_map(|(prefix, map)| {
            let masked = mask(key, u32::from(*prefix), bits);
            map.get(&masked)
        })
    }
}

/// `key` with all but its first `prefix` bits (of `bits`) cleared.
fn mask(key: u128, prefix: u32, bits: u32) -> u128 {
    let host_bits = bits.saturating_sub(prefix);
    key.checked_shr(host_bits)
        .and_then(|high| high.checked_shl(host_bits))
        .unwrap_or(0)
}

fn key_of(address: IpAddr) -> (u128, u32, bool) {
    match address.to_canonical() {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32, true),
        IpAddr::V6(v6) => (u128::from(v6), 128, false),
    }
}

/// The IP section of a rights object: allowed and blocked ranges.
#[derive(Debug, Clone, Default)]
pub(crate) struct IpRules {
    pub(crate) allowed: Vec<IpRange>,
    pub(crate) blocked: Vec<IpRange>,
    v4: PrefixTable,
    v6: PrefixTable,
}

impl IpRules {
    /// Indexes the lists; `Err` names a range that is both allowed and blocked.
    pub(crate) fn new(allowed: Vec<IpRange>, blocked: Vec<IpRange>) -> Result<Self, IpRange> {
        let mut rules = Self {
            allowed,
            blocked,
            ..Self::default()
        };
        for (action, range) in super::tagged(&rules.allowed, &rules.blocked) {
            let (key, _, v4) = key_of(range.network());
            let table = if v4 { &mut rules.v4 } else { &mut rules.v6 };
            if let Some(previous) = table.insert(key, range.prefix_len(), (action, range))
                && previous != action
            {
                return Err(range);
            }
        }
        Ok(rules)
    }

    /// The most specific range holding `address` (an IPv4-mapped address as IPv4), with
    /// what it does.
    pub(crate) fn longest_match(&self, address: IpAddr) -> Option<&(RuleAction, IpRange)> {
        let (key, bits, v4) = key_of(address);
        if v4 {
            self.v4.longest_match(key, bits)
        } else {
            self.v6.longest_match(key, bits)
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.allowed.is_empty() && self.blocked.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> IpRange {
        IpRange::parse(text).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_longest_prefix_decides_in_both_families() {
        let rules = IpRules::new(
            vec![
                range("10.1.2.3"),
                range("2001:db8:1::/48"),
                range("192.0.2.0/24"),
            ],
            vec![
                range("10.0.0.0/8"),
                range("2001:db8::/32"),
                range("192.0.2.128/25"),
            ],
        )
        .unwrap();
        for (client, expected) in [
            ("10.1.2.3", Some((RuleAction::Allow, "10.1.2.3"))),
            ("::ffff:10.1.2.3", Some((RuleAction::Allow, "10.1.2.3"))),
            ("10.1.2.4", Some((RuleAction::Block, "10.0.0.0/8"))),
            ("192.0.2.1", Some((RuleAction::Allow, "192.0.2.0/24"))),
            ("192.0.2.200", Some((RuleAction::Block, "192.0.2.128/25"))),
            (
                "2001:db8:1:2::3",
                Some((RuleAction::Allow, "2001:db8:1::/48")),
            ),
            ("2001:db8:2::3", Some((RuleAction::Block, "2001:db8::/32"))),
            ("2001:db9::1", None),
            ("11.0.0.1", None),
        ] {
            let found = rules
                .longest_match(ip(client))
                .map(|(a, r)| (*a, r.to_string()));
            assert_eq!(found, expected.map(|(a, r)| (a, r.to_owned())), "{client}");
        }
    }

    #[test]
    fn a_range_both_allowed_and_blocked_is_refused() {
        let conflict = IpRules::new(
            vec![range("10.0.0.0/8")],
            vec![range("::ffff:10.0.0.0/104")],
        );
        assert_eq!(conflict.err(), Some(range("10.0.0.0/8")));
        assert!(IpRules::new(vec![range("10.0.0.0/8")], vec![range("10.0.0.0/8")]).is_err());
    }

    #[test]
    fn zero_length_prefixes_match_everything_of_their_family() {
        let rules = IpRules::new(vec![], vec![range("0.0.0.0/0"), range("::/0")]).unwrap();
        assert!(rules.longest_match(ip("203.0.113.9")).is_some());
        assert!(rules.longest_match(ip("2001:db8::9")).is_some());
    }
}
