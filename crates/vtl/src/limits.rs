//! The bounds on parsing and rendering, and the work budget a render spends, so that a hostile
//! template fails with an error instead of hanging the process or exhausting its memory or stack.

use std::cell::Cell;

use serde_json::Value;

/// `#foreach` iterations in one render, all loops together; also the widest range literal.
pub(crate) const MAX_ITERATIONS: u64 = 1_000_000;
/// The rendered text, and any one string a template builds.
pub(crate) const MAX_OUTPUT: usize = 10 * 1024 * 1024;
/// Units of work in one render: see [`Budget`].
pub(crate) const MAX_WORK: u64 = 100_000_000;
/// Nesting of directives, expressions and interpolated strings together, at parse time: it bounds
/// the recursion of both the parser and the renderer.
pub(crate) const MAX_DEPTH: usize = 32;
/// Nesting of the values a render copies (a template can nest lists inside lists in a loop).
pub(crate) const MAX_VALUE_DEPTH: usize = 128;
/// The compiled size of one regular expression (and of its lazy DFA), so that a hostile pattern
/// fails instead of taking the memory.
pub(crate) const MAX_REGEX_SIZE: usize = 1 << 20;
/// Compiled patterns kept per render; a template that builds patterns in a loop recompiles
/// past this instead of growing the cache.
pub(crate) const REGEX_CACHE: usize = 64;

/// What copying or scanning a string costs: one unit, and one more for every 16 bytes.
pub(crate) fn text_cost(s: &str) -> u64 {
    1 + s.len() as u64 / 16
}

/// What is left of a render's work: values copied and strings scanned. Loops are bounded by
/// [`MAX_ITERATIONS`], but a few iterations can copy ever larger values, so copies pay too.
pub(crate) struct Budget {
    left: Cell<u64>,
}

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget {
            left: Cell::new(MAX_WORK),
        }
    }

    /// Takes `units`; false, with nothing taken, when fewer are left.
    pub(crate) fn spend(&self, units: u64) -> bool {
        match self.left.get().checked_sub(units) {
            Some(left) => {
                self.left.set(left);
                true
            }
            None => false,
        }
    }

    /// Takes what copying `v` costs; false when that is more than is left or `v` nests deeper
    /// than [`MAX_VALUE_DEPTH`] (what was weighed before that is spent all the same).
    pub(crate) fn charge(&self, v: &Value) -> bool {
        fn weigh(v: &Value, depth: usize, left: &mut u64) -> bool {
            let w = match v {
                Value::String(s) => text_cost(s),
                _ => 1,
            };
            if depth > MAX_VALUE_DEPTH || *left < w {
                return false;
            }
            *left -= w;
            match v {
                Value::Array(a) => a.iter().all(|x| weigh(x, depth + 1, left)),
                Value::Object(m) => m.values().all(|x| weigh(x, depth + 1, left)),
                _ => true,
            }
        }
        let mut left = self.left.get();
        let ok = weigh(v, 0, &mut left);
        self.left.set(left);
        ok
    }
}
