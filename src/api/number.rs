//! Whole numbers as JSON Schema counts them: `2.0` is the integer 2 to a schema validator, so a
//! request that says `"cols": 80.0` or `?limit=10.0` is as valid as one that says `80` or `10`,
//! and the handlers take it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

/// An unsigned integer from a JSON body, written as an integer or as a number with no
/// fractional part; a string is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Whole<T>(pub T);

/// The same from a query string, where every value arrives as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueryWhole<T>(pub T);

impl<'de, T: TryFrom<u64>> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let visitor = WholeVisitor {
            text: false,
            to: PhantomData,
        };
        deserializer.deserialize_any(visitor).map(Whole)
    }
}

impl<'de, T: TryFrom<u64>> Deserialize<'de> for QueryWhole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let visitor = WholeVisitor {
            text: true,
            to: PhantomData,
        };
        deserializer.deserialize_any(visitor).map(QueryWhole)
    }
}

/// Documented as `T` is: an integer, with `T`'s range.
impl<T: JsonSchema> JsonSchema for Whole<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

impl<T: JsonSchema> JsonSchema for QueryWhole<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

struct WholeVisitor<T> {
    /// Whether numbers may come as text (query strings).
    text: bool,
    to: PhantomData<T>,
}

impl<T: TryFrom<u64>> Visitor<'_> for WholeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number in range")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let unsigned =
            u64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))?;
        self.visit_u64(unsigned)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // 2^64 is exactly representable; anything at or above it is out of every range here.
        if v.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&v) {
            return self.visit_u64(v as u64);
        }
        Err(E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if !self.text {
            return Err(E::invalid_type(Unexpected::Str(v), &self));
        }
        if let Ok(n) = v.parse::<u64>() {
            return self.visit_u64(n);
        }
        match v.parse::<f64>() {
            Ok(n) if n.is_finite() => self.visit_f64(n),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Result<u32, String> {
        serde_json::from_str::<Whole<u32>>(text)
            .map(|w| w.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn integers_and_integer_valued_numbers_are_taken_and_nothing_else() {
        assert_eq!(json("80"), Ok(80));
        assert_eq!(json("80.0"), Ok(80));
        assert_eq!(json("8e1"), Ok(80));
        for refused in [
            "80.5",
            "-1",
            "-0.5",
            "4294967296",
            "1e300",
            "\"80\"",
            "null",
            "true",
        ] {
            assert!(json(refused).is_err(), "{refused} was taken");
        }
    }

    #[test]
    fn query_strings_give_their_numbers_as_text() {
        let query = |text: &str| {
            let value = serde_json::Value::String(text.to_string());
            serde_json::from_value::<QueryWhole<u64>>(value)
                .ok()
                .map(|w| w.0)
        };
        assert_eq!(query("10"), Some(10));
        assert_eq!(query("10.0"), Some(10));
        assert_eq!(query("18446744073709551615"), Some(u64::MAX));
        assert_eq!(query("18446744073709551616"), None);
        assert_eq!(query("ten"), None);
        assert_eq!(query("NaN"), None);
    }
}
