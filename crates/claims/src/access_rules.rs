//! `accessRules`: an ordered allow/block list inside the signed token.

use serde_json::{Map, Value};

use crate::country::CountryCode;
use crate::error::{AccessRuleError, Violation};
use crate::ip_range::IpRange;
use crate::names;

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleAction {
    /// `"allow"`: the request plays (as far as these rules go).
    Allow,
    /// `"block"`: the request is refused.
    Block,
}

impl RuleAction {
    /// The wire value, `"allow"` or `"block"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Block => "block",
        }
    }
}

/// Which requests a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleTarget {
    /// `"type": "ip.geoip.country"`: the client's country is one of these. A client whose
    /// country is unknown matches no country rule.
    Country(Vec<CountryCode>),
    /// `"type": "ip.src"`: the client's address is in one of these ranges.
    IpRange(Vec<IpRange>),
    /// `"type": "any"`: every request (the catch-all that ends a list).
    Any,
}

impl RuleTarget {
    /// The wire value of `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Country(_) => TYPE_COUNTRY,
            Self::IpRange(_) => TYPE_IP,
            Self::Any => TYPE_ANY,
        }
    }
}

const TYPE_COUNTRY: &str = "ip.geoip.country";
const TYPE_IP: &str = "ip.src";
const TYPE_ANY: &str = "any";
const TYPES: &[&str] = &[TYPE_COUNTRY, TYPE_IP, TYPE_ANY];
const ACTIONS: &[&str] = &["allow", "block"];

/// One rule of an [`AccessRules`] list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRule {
    /// What the rule does when it matches.
    pub action: RuleAction,
    /// Which requests it matches.
    pub target: RuleTarget,
}

/// The `accessRules` claim: an ordered list of allow/block rules, the first matching rule
/// decides, and a request no rule matches is not restricted by the list (end it with
/// `{"type": "any", "action": "block"}` to refuse everything the rules above do not allow).
///
/// Wire form (the name and shape other playback services already mint, so their tokens'
/// rules are enforced here rather than carried unread in `extra`):
///
/// ```json
/// [
///   { "type": "ip.src", "action": "allow", "ip": ["192.0.2.0/24", "2001:db8::/32"] },
///   { "type": "ip.geoip.country", "action": "allow", "country": ["FR", "BE"] },
///   { "type": "any", "action": "block" }
/// ]
/// ```
///
/// Decoding is strict: a non-empty array; each rule an object with exactly the members its
/// type takes (`country` for `ip.geoip.country`, `ip` for `ip.src`, none for `any`), each
/// list non-empty, every country an assigned ISO 3166-1 alpha-2 code ([`CountryCode`]) and
/// every range a valid address or CIDR range ([`IpRange`]). A malformed rule is a
/// [`Violation::InvalidAccessRule`] naming the rule's index and the cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRules(Vec<AccessRule>);

impl AccessRules {
    /// The rules, in order. Fails with [`AccessRuleError::EmptyList`] when there is none.
    pub fn new(rules: Vec<AccessRule>) -> Result<Self, AccessRuleError> {
        for rule in &rules {
            match &rule.target {
                RuleTarget::Country(list) if list.is_empty() => {
                    return Err(AccessRuleError::EmptyList { member: "country" });
                }
                RuleTarget::IpRange(list) if list.is_empty() => {
                    return Err(AccessRuleError::EmptyList { member: "ip" });
                }
                _ => {}
            }
        }
        if rules.is_empty() {
            return Err(AccessRuleError::EmptyList {
                member: names::ACCESS_RULES,
            });
        }
        Ok(Self(rules))
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[AccessRule] {
        &self.0
    }

    /// Reads the claim's JSON value under the rules above.
    pub fn from_json(value: Value) -> Result<Self, Violation> {
        let Value::Array(items) = value else {
            return Err(Violation::WrongType {
                claim: names::ACCESS_RULES,
                expected: "an array of rules",
            });
        };
        if items.is_empty() {
            return Err(Violation::InvalidAccessRule {
                index: 0,
                error: AccessRuleError::EmptyList {
                    member: names::ACCESS_RULES,
                },
            });
        }
        let rules = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                parse_rule(item).map_err(|error| Violation::InvalidAccessRule { index, error })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(rules))
    }

    /// The claim's JSON value.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|rule| {
                    let mut object = Map::new();
                    object.insert("type".into(), rule.target.type_name().into());
                    object.insert("action".into(), rule.action.as_str().into());
                    match &rule.target {
                        RuleTarget::Country(list) => {
                            object.insert("country".into(), strings(list));
                        }
                        RuleTarget::IpRange(list) => {
                            object.insert("ip".into(), strings(list));
                        }
                        RuleTarget::Any => {}
                    }
                    Value::Object(object)
                })
                .collect(),
        )
    }
}

fn strings<T: ToString>(list: &[T]) -> Value {
    Value::Array(list.iter().map(|item| item.to_string().into()).collect())
}

fn parse_rule(item: Value) -> Result<AccessRule, AccessRuleError> {
    let Value::Object(mut object) = item else {
        return Err(AccessRuleError::NotAnObject);
    };
    let kind = take_str(&mut object, "type", TYPES)?;
    let action = match take_str(&mut object, "action", ACTIONS)?.as_str() {
        "allow" => RuleAction::Allow,
        _ => RuleAction::Block,
    };
    let target = match kind.as_str() {
        TYPE_COUNTRY => RuleTarget::Country(take_list(&mut object, "country", |text| {
            CountryCode::parse(text).map_err(|error| AccessRuleError::InvalidCountry {
                value: text.to_owned(),
                error,
            })
        })?),
        TYPE_IP => RuleTarget::IpRange(take_list(&mut object, "ip", |text| {
            IpRange::parse(text).map_err(|error| AccessRuleError::InvalidIpRange {
                value: text.to_owned(),
                error,
            })
        })?),
        _ => RuleTarget::Any,
    };
    if let Some(member) = object.keys().next() {
        return Err(AccessRuleError::UnknownMember {
            member: member.clone(),
        });
    }
    Ok(AccessRule { action, target })
}

fn take_str(
    object: &mut Map<String, Value>,
    member: &'static str,
    allowed: &'static [&'static str],
) -> Result<String, AccessRuleError> {
    match object.remove(member) {
        None => Err(AccessRuleError::MissingMember { member }),
        Some(Value::String(value)) if allowed.contains(&value.as_str()) => Ok(value),
        Some(Value::String(value)) => Err(AccessRuleError::UnknownValue {
            member,
            value,
            allowed,
        }),
        Some(_) => Err(AccessRuleError::WrongType {
            member,
            expected: "a string",
        }),
    }
}

fn take_list<T>(
    object: &mut Map<String, Value>,
    member: &'static str,
    parse: impl Fn(&str) -> Result<T, AccessRuleError>,
) -> Result<Vec<T>, AccessRuleError> {
    let Some(value) = object.remove(member) else {
        return Err(AccessRuleError::MissingMember { member });
    };
    let Value::Array(items) = value else {
        return Err(AccessRuleError::WrongType {
            member,
            expected: "an array of strings",
        });
    };
    if items.is_empty() {
        return Err(AccessRuleError::EmptyList { member });
    }
    items
        .iter()
        .map(|item| match item {
            Value::String(text) => parse(text),
            _ => Err(AccessRuleError::WrongType {
                member,
                expected: "an array of strings",
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests;
