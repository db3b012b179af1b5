//! `aws:channel-arn`: `arn:aws:ivs:<region>:<12-digit account>:channel/<id>`.

use std::fmt;

use crate::error::{ArnPart, Violation};

/// A parsed IVS channel ARN. Keeps the original text.
///
/// ```
/// use playback_auth_claims::ChannelArn;
///
/// let arn = ChannelArn::parse("arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456").unwrap();
/// assert_eq!(arn.region(), "us-west-2");
/// assert_eq!(arn.account_id(), "123456789012");
/// assert_eq!(arn.channel_id(), "AbCdEf123456");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ChannelArn {
    text: String,
    // Byte ranges into `text`, found by `parse`.
    region_end: usize,
    account_end: usize,
}

impl ChannelArn {
    const PREFIX: &'static str = "arn:aws:ivs:";
    const RESOURCE: &'static str = ":channel/";

    /// Parses an ARN, naming the first malformed part.
    pub fn parse(text: impl Into<String>) -> Result<ChannelArn, ArnPart> {
        let text = text.into();
        let rest = text.strip_prefix(Self::PREFIX).ok_or(ArnPart::Prefix)?;
        let (region, rest) = rest.split_once(':').ok_or(ArnPart::Region)?;
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(ArnPart::Region);
        }
        let account = rest.get(..12).ok_or(ArnPart::AccountId)?;
        if !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ArnPart::AccountId);
        }
        let rest = rest.get(12..).unwrap_or_default();
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(ArnPart::AccountId);
        }
        let id = rest.strip_prefix(Self::RESOURCE).ok_or(ArnPart::Resource)?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ArnPart::ChannelId);
        }
        let region_end = Self::PREFIX.len() + region.len();
        let account_end = region_end + 1 + account.len();
        Ok(ChannelArn {
            text,
            region_end,
            account_end,
        })
    }

    pub(crate) fn from_claim(text: String) -> Result<ChannelArn, Violation> {
        Self::parse(text).map_err(|part| Violation::InvalidChannelArn { part })
    }

    /// The whole ARN.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The AWS region, e.g. `us-west-2`.
    pub fn region(&self) -> &str {
        self.text
            .get(Self::PREFIX.len()..self.region_end)
            .unwrap_or_default()
    }

    /// The 12-digit AWS account id.
    pub fn account_id(&self) -> &str {
        self.text
            .get(self.region_end + 1..self.account_end)
            .unwrap_or_default()
    }

    /// The channel id.
    pub fn channel_id(&self) -> &str {
        self.text
            .get(self.account_end + Self::RESOURCE.len()..)
            .unwrap_or_default()
    }
}

impl fmt::Debug for ChannelArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelArn({:?})", self.text)
    }
}

impl fmt::Display for ChannelArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
