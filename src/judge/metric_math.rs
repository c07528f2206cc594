//! A small evaluator for the metric-math expressions an alarm may return: enough to tell what
//! value one matching event produces (`m1`, `m1 * 1`, `FILL(m1, 0)`, `SUM([m1, m2])`, ...).
//! Anything it does not understand is "cannot be shown", never guessed.

use std::collections::HashMap;

/// Evaluates `expression` with each query id bound to its value for one event.
pub fn evaluate(expression: &str, values: &HashMap<String, f64>) -> Result<f64, String> {
    let mut p = Parser {
        text: expression.as_bytes(),
        pos: 0,
        values,
    };
    let v = p.sum()?;
    p.skip_space();
    if p.pos != p.text.len() {
        return Err(format!("unexpected `{}`", &expression[p.pos..]));
    }
    Ok(v)
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    values: &'a HashMap<String, f64>,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.pos < self.text.len() && self.text[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_space();
        if self.text.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Result<f64, String> {
        let mut v = self.product()?;
        loop {
            if self.eat(b'+') {
                v += self.product()?;
            } else if self.eat(b'-') {
                v -= self.product()?;
            } else {
                return Ok(v);
            }
        }
    }

    fn product(&mut self) -> Result<f64, String> {
        let mut v = self.unary()?;
        loop {
            if self.eat(b'*') {
                v *= self.unary()?;
            } else if self.eat(b'/') {
                let d = self.unary()?;
                if d == 0.0 {
                    return Err("division by zero".into());
                }
                v /= d;
            } else {
                return Ok(v);
            }
        }
    }

    fn unary(&mut self) -> Result<f64, String> {
        if self.eat(b'-') {
            return Ok(-self.unary()?);
        }
        self.atom()
    }

    fn word(&mut self) -> String {
        self.skip_space();
        let start = self.pos;
        while self.pos < self.text.len()
            && (self.text[self.pos].is_ascii_alphanumeric()
                || self.text[self.pos] == b'_'
                || self.text[self.pos] == b'.')
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.pos]).into_owned()
    }

    fn atom(&mut self) -> Result<f64, String> {
        if self.eat(b'(') {
            let v = self.sum()?;
            return if self.eat(b')') {
                Ok(v)
            } else {
                Err("missing `)`".into())
            };
        }
        let word = self.word();
        if word.is_empty() {
            return Err("expected a number, a query id or a function".into());
        }
        if let Ok(n) = word.parse::<f64>() {
            return Ok(n);
        }
        if self.eat(b'(') {
            return self.function(&word);
        }
        self.values
            .get(&word)
            .copied()
            .ok_or_else(|| format!("`{word}` is not a query of this alarm"))
    }

    /// Functions whose value for a present datapoint is known.
    fn function(&mut self, name: &str) -> Result<f64, String> {
        let v = match name {
            "FILL" => {
                // FILL(x, value|REPEAT|LINEAR) only changes missing datapoints.
                let v = self.sum()?;
                if !self.eat(b',') {
                    return Err("FILL needs two arguments".into());
                }
                let _fill = self.word();
                if _fill.is_empty() {
                    self.sum()?;
                }
                v
            }
            "ABS" => self.sum()?.abs(),
            "CEIL" => self.sum()?.ceil(),
            "FLOOR" => self.sum()?.floor(),
            "SUM" | "MAX" | "MIN" | "AVG" => {
                let items = self.list()?;
                match name {
                    "SUM" => items.iter().sum(),
                    "MAX" => items.iter().cloned().fold(f64::MIN, f64::max),
                    "MIN" => items.iter().cloned().fold(f64::MAX, f64::min),
                    _ => items.iter().sum::<f64>() / items.len() as f64,
                }
            }
            other => return Err(format!("function {other} is not understood")),
        };
        if self.eat(b')') {
            Ok(v)
        } else {
            Err(format!("missing `)` after {name}"))
        }
    }

    fn list(&mut self) -> Result<Vec<f64>, String> {
        if !self.eat(b'[') {
            return Ok(vec![self.sum()?]);
        }
        let mut items = vec![self.sum()?];
        while self.eat(b',') {
            items.push(self.sum()?);
        }
        if !self.eat(b']') {
            return Err("missing `]`".into());
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_m1(v: f64) -> HashMap<String, f64> {
        [("m1".to_string(), v)].into_iter().collect()
    }

    #[test]
    fn pass_through_forms_keep_the_value() {
        for e in [
            "m1",
            "m1 * 1",
            "1*m1",
            "(m1)",
            "FILL(m1, 0)",
            "FILL(m1,REPEAT)",
            "SUM([m1])",
            "MAX([m1, 0])",
            "m1 + 0",
        ] {
            assert_eq!(evaluate(e, &with_m1(1.0)), Ok(1.0), "{e}");
        }
    }

    #[test]
    fn scaling_changes_the_value() {
        assert_eq!(evaluate("m1 / 1000", &with_m1(1.0)), Ok(0.001));
        assert_eq!(evaluate("m1 * 100", &with_m1(1.0)), Ok(100.0));
        assert_eq!(evaluate("-m1", &with_m1(1.0)), Ok(-1.0));
    }

    #[test]
    fn unknown_things_are_not_guessed() {
        assert!(evaluate("RATE(m1)", &with_m1(1.0)).is_err());
        assert!(evaluate("m2", &with_m1(1.0)).is_err());
        assert!(evaluate("m1 +", &with_m1(1.0)).is_err());
        assert!(evaluate("m1 / 0", &with_m1(1.0)).is_err());
        assert!(evaluate("ANOMALY_DETECTION_BAND(m1)", &with_m1(1.0)).is_err());
    }
}
