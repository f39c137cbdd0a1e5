//! Money: integer minor units and an ISO 4217 currency. Never a float.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The currencies a center may price sessions in, with their minor-unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    Krw,
    Usd,
    Eur,
    Jpy,
    Gbp,
    Cny,
}

impl Currency {
    pub const ALL: [Currency; 6] =
        [Currency::Krw, Currency::Usd, Currency::Eur, Currency::Jpy, Currency::Gbp, Currency::Cny];

    pub fn code(self) -> &'static str {
        match self {
            Currency::Krw => "KRW",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Jpy => "JPY",
            Currency::Gbp => "GBP",
            Currency::Cny => "CNY",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Currency::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }

    /// Digits after the decimal point (ISO 4217 minor unit).
    pub fn exponent(self) -> u32 {
        match self {
            Currency::Krw | Currency::Jpy => 0,
            _ => 2,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Currency::Krw => "₩",
            Currency::Usd => "$",
            Currency::Eur => "€",
            Currency::Jpy => "¥",
            Currency::Gbp => "£",
            Currency::Cny => "CN¥",
        }
    }
}

/// An amount of money: `minor` units of `currency` (won, cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not an amount")]
    Malformed,
    #[error("amount out of range")]
    OutOfRange,
}

impl MoneyError {
    pub fn message_id(self) -> &'static str {
        match self {
            MoneyError::Malformed => "error-price-malformed",
            MoneyError::OutOfRange => "error-price-range",
        }
    }
}

impl Money {
    /// The largest price we accept: far above any session fee, far below overflow.
    pub const MAX_MINOR: i64 = 100_000_000_000;

    pub fn from_minor(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if !(0..=Self::MAX_MINOR).contains(&minor) {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Self { minor, currency })
    }

    /// Reads an amount as people type it: `50000`, `50,000`, `80.5`, `80.50`.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != '_' && !c.is_whitespace()).collect();
        if cleaned.is_empty() {
            return Err(MoneyError::Malformed);
        }
        let (whole, frac) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        let exp = currency.exponent() as usize;
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::Malformed);
        }
        if frac.len() > exp {
            return Err(MoneyError::Malformed);
        }
        if whole.len() > 15 {
            return Err(MoneyError::OutOfRange);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::OutOfRange)?;
        let frac_value: i64 =
            if frac.is_empty() { 0 } else { format!("{frac:0<exp$}").parse().map_err(|_| MoneyError::Malformed)? };
        let minor = whole
            .checked_mul(10i64.pow(exp as u32))
            .and_then(|w| w.checked_add(frac_value))
            .ok_or(MoneyError::OutOfRange)?;
        Self::from_minor(minor, currency)
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The amount as typed in a form: `50000`, `80.50`.
    pub fn to_plain(self) -> String {
        let exp = self.currency.exponent();
        if exp == 0 {
            return self.minor.to_string();
        }
        let div = 10i64.pow(exp);
        format!("{}.{:0width$}", self.minor / div, self.minor % div, width = exp as usize)
    }
}

impl fmt::Display for Money {
    /// `₩50,000`, `$80.50`: symbol, grouped thousands, the currency's minor digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.to_plain();
        let (whole, frac) = plain.split_once('.').map_or((plain.as_str(), None), |(w, fr)| (w, Some(fr)));
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        match frac {
            Some(fr) => write!(f, "{}{grouped}.{fr}", self.currency.symbol()),
            None => write!(f, "{}{grouped}", self.currency.symbol()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_show() {
        assert_eq!(Money::parse("50,000", Currency::Krw).unwrap().minor(), 50_000);
        assert_eq!(Money::parse("80.5", Currency::Usd).unwrap().minor(), 8_050);
        assert_eq!(Money::parse("80", Currency::Usd).unwrap().to_string(), "$80.00");
        assert_eq!(Money::parse("1234567", Currency::Krw).unwrap().to_string(), "₩1,234,567");
        assert_eq!(Money::parse("80.5", Currency::Krw), Err(MoneyError::Malformed), "won has no minor unit");
        assert_eq!(Money::parse("-5", Currency::Usd), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("1e9", Currency::Usd), Err(MoneyError::Malformed));
        assert_eq!(Money::parse("99999999999999", Currency::Krw), Err(MoneyError::OutOfRange));
        assert_eq!(Currency::parse("krw"), Some(Currency::Krw));
    }
}
