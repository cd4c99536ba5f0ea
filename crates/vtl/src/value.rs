//! Values as Velocity on Java sees them: how they print, compare, count as true and do
//! arithmetic, and how a reference's steps reach into them.

use serde_json::{Number, Value};

use crate::ast::Op;
use crate::limits::MAX_OUTPUT;

/// Java's `toString` of the value, as API Gateway prints it.
pub(crate) fn display(v: &Value) -> String {
    let mut out = String::new();
    display_into(v, &mut out);
    out
}

pub(crate) fn display_into(v: &Value, out: &mut String) {
    // Text past the limit is refused where it is emitted; stopping here spares printing the rest
    // of a huge nested value first.
    if out.len() > MAX_OUTPUT {
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display_into(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                display_into(x, out);
            }
            out.push('}');
        }
    }
}

pub(crate) fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// A number as Java arithmetic sees it: integers stay integers until they overflow.
#[derive(Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    F(f64),
}

impl Num {
    pub(crate) fn of(v: &Value) -> Option<Num> {
        let n = v.as_number()?;
        n.as_i64().map(Num::I).or_else(|| n.as_f64().map(Num::F))
    }
    pub(crate) fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

pub(crate) fn arith(op: Op, a: Num, b: Num) -> Value {
    if let (Num::I(x), Num::I(y)) = (a, b) {
        let r = match op {
            Op::Add => x.checked_add(y),
            Op::Sub => x.checked_sub(y),
            Op::Mul => x.checked_mul(y),
            Op::Div if y == 0 => return Value::Null,
            Op::Div => x.checked_div(y),
            Op::Mod if y == 0 => return Value::Null,
            _ => x.checked_rem(y),
        };
        if let Some(r) = r {
            return Value::from(r);
        }
    }
    let (x, y) = (a.f(), b.f());
    match op {
        Op::Add => float(x + y),
        Op::Sub => float(x - y),
        Op::Mul => float(x * y),
        _ if y == 0.0 => Value::Null,
        Op::Div => float(x / y),
        _ => float(x % y),
    }
}

pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(_), Value::Number(_)) => match (Num::of(a), Num::of(b)) {
            (Some(Num::I(x)), Some(Num::I(y))) => x == y,
            (Some(x), Some(y)) => x.f() == y.f(),
            _ => false,
        },
        (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Array(_), Value::Array(_))
        | (Value::Object(_), Value::Object(_)) => a == b,
        _ => display(a) == display(b),
    }
}

pub(crate) fn as_int(v: &Value) -> Option<i64> {
    v.as_i64()
}

pub(crate) fn index_of(v: &Value, len: usize) -> Option<usize> {
    usize::try_from(as_int(v)?).ok().filter(|&i| i < len)
}

/// A reference part with its arguments evaluated.
pub(crate) enum Step<'t> {
    Prop(&'t str),
    Index(Value),
    Method(&'t str, Vec<Value>),
}

pub(crate) fn child<'v>(v: &'v Value, step: &Step<'_>) -> Option<&'v Value> {
    match (v, step) {
        (Value::Object(m), Step::Prop(k)) => m.get(*k),
        (Value::Object(m), Step::Index(k)) => m.get(&display(k)),
        (Value::Array(a), Step::Index(i)) => a.get(index_of(i, a.len())?),
        _ => None,
    }
}

/// Like [`child`]; a missing key of an object is created (as null) when `create` is set.
pub(crate) fn child_mut<'v>(
    v: &'v mut Value,
    step: &Step<'_>,
    create: bool,
) -> Option<&'v mut Value> {
    match (v, step) {
        (Value::Object(m), Step::Prop(_) | Step::Index(_)) => {
            let key = match step {
                Step::Prop(k) => (*k).to_string(),
                Step::Index(k) => display(k),
                Step::Method(..) => return None,
            };
            if create {
                Some(m.entry(key).or_insert(Value::Null))
            } else {
                m.get_mut(&key)
            }
        }
        (Value::Array(a), Step::Index(i)) => {
            let i = index_of(i, a.len())?;
            a.get_mut(i)
        }
        _ => None,
    }
}
