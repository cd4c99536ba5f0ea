//! Evaluation: walks a parsed tree against a [`RenderInput`], holding the template's variables
//! and what is left of its budgets. What `$input`, `$util` and the methods of values do is in
//! [`crate::input`], [`crate::util`] and [`crate::methods`].

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::ast::{Expr, Node, Op, Part, Reference};
use crate::error::{Pos, VtlError};
use crate::limits::{text_cost, Budget, MAX_ITERATIONS, MAX_OUTPUT};
use crate::methods::mutate;
use crate::value::{
    arith, as_int, child, child_mut, display, display_into, truthy, values_equal, Num, Step,
};
use crate::{RenderInput, Rendered};

/// Renders `nodes`; `output_hint` is what the text usually needs, reserved up front.
pub(crate) fn render(
    nodes: &[Node],
    input: &RenderInput<'_>,
    output_hint: usize,
) -> Result<Rendered, VtlError> {
    let mut r = Renderer {
        input,
        vars: HashMap::new(),
        iterations: 0,
        budget: Budget::new(),
        body: OnceCell::new(),
        regexes: RefCell::new(HashMap::new()),
        at: Pos { line: 1, column: 1 },
    };
    let mut text = String::with_capacity(output_hint.min(MAX_OUTPUT));
    r.nodes(nodes, &mut text)?;
    let (status_override, header_overrides) = r.overrides();
    Ok(Rendered {
        text,
        status_override,
        header_overrides,
    })
}

enum Flow {
    Go,
    Break,
    Stop,
}

pub(crate) struct Renderer<'a, 'b> {
    pub(crate) input: &'a RenderInput<'b>,
    /// `$context` and `$stageVariables` are read from the input in place; a template that writes
    /// to one (`#set($context.responseOverride.status = …)`) gets its own copy here first.
    vars: HashMap<String, Value>,
    iterations: u64,
    budget: Budget,
    /// The body parsed as JSON, on the first `$input.path` or `$input.json`.
    pub(crate) body: OnceCell<Option<Value>>,
    pub(crate) regexes: RefCell<HashMap<String, regex::Regex>>,
    /// The reference or directive being evaluated, where errors point.
    at: Pos,
}

impl Renderer<'_, '_> {
    /// `$context.responseOverride`: the status, when valid, and the headers set, in order.
    fn overrides(&self) -> (Option<u16>, Vec<(String, String)>) {
        let ro = self
            .vars
            .get("context")
            .and_then(|c| c.get("responseOverride"));
        let status_override = ro.and_then(|o| o.get("status")).and_then(|v| match v {
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        let header_overrides = ro
            .and_then(|o| o.get("header"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), display(v)))
                    .collect()
            })
            .unwrap_or_default();
        (status_override, header_overrides)
    }

    /// The input's own value of a built-in variable, until a template writes to it.
    fn builtin(&self, name: &str) -> Option<&Value> {
        match name {
            "context" => Some(self.input.context),
            "stageVariables" => Some(self.input.stage_variables),
            _ => None,
        }
    }

    /// Before a write to a built-in variable: copy it into the template's variables.
    fn own_builtin(&mut self, name: &str) {
        if !self.vars.contains_key(name) {
            if let Some(v) = self.builtin(name).cloned() {
                self.vars.insert(name.to_string(), v);
            }
        }
    }

    pub(crate) fn fail(&self, message: impl Into<String>) -> VtlError {
        self.at.err(message)
    }

    pub(crate) fn spend(&self, units: u64) -> Result<(), VtlError> {
        if self.budget.spend(units) {
            Ok(())
        } else {
            Err(self.fail("template exceeds its work budget (values copied or scanned)"))
        }
    }

    /// Spends what scanning or copying `s` costs.
    pub(crate) fn spend_text(&self, s: &str) -> Result<(), VtlError> {
        self.spend(text_cost(s))
    }

    /// Charges the budget for copying `v`; refuses values nested too deeply.
    pub(crate) fn charge(&self, v: &Value) -> Result<(), VtlError> {
        if self.budget.charge(v) {
            Ok(())
        } else {
            Err(self.fail("template exceeds its work budget or nests values too deeply"))
        }
    }

    /// Refuses a string value longer than the output may be.
    pub(crate) fn sized(&self, v: Value) -> Result<Value, VtlError> {
        if v.as_str().is_some_and(|s| s.len() > MAX_OUTPUT) {
            return Err(self.fail("string exceeds 10 MB"));
        }
        Ok(v)
    }

    fn emit(&self, out: &mut String, s: &str) -> Result<(), VtlError> {
        if out.len().saturating_add(s.len()) > MAX_OUTPUT {
            return Err(self.fail("output exceeds 10 MB"));
        }
        out.push_str(s);
        Ok(())
    }

    fn nodes(&mut self, nodes: &[Node], out: &mut String) -> Result<Flow, VtlError> {
        for node in nodes {
            let flow = match node {
                Node::Text(t) => {
                    self.emit(out, t)?;
                    Flow::Go
                }
                Node::Ref(r) => {
                    let v = self.eval_ref(r)?;
                    match v {
                        Value::Null if r.quiet => {}
                        Value::Null => self.emit(out, &r.source)?,
                        Value::String(s) => self.emit(out, &s)?,
                        v => {
                            let mut s = String::new();
                            display_into(&v, &mut s);
                            self.emit(out, &s)?;
                        }
                    }
                    Flow::Go
                }
                Node::Set(target, e) => {
                    self.at = target.pos;
                    let v = self.eval(e)?;
                    self.assign(target, v)?;
                    Flow::Go
                }
                Node::If(branches, otherwise) => {
                    let mut chosen = otherwise;
                    for (cond, body) in branches {
                        if truthy(&self.eval(cond)?) {
                            chosen = body;
                            break;
                        }
                    }
                    self.nodes(chosen, out)?
                }
                Node::Foreach(var, iter, body, pos) => self.foreach(var, iter, body, *pos, out)?,
                Node::Break => Flow::Break,
                Node::Stop => Flow::Stop,
            };
            if !matches!(flow, Flow::Go) {
                return Ok(flow);
            }
        }
        Ok(Flow::Go)
    }

    fn foreach(
        &mut self,
        var: &str,
        iter: &Expr,
        body: &[Node],
        pos: Pos,
        out: &mut String,
    ) -> Result<Flow, VtlError> {
        self.at = pos;
        let items = match self.eval(iter)? {
            Value::Array(a) => a,
            Value::Object(m) => m.into_iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        };
        let names = [var, "foreach", "velocityCount", "velocityHasNext"];
        let saved: Vec<Option<Value>> = names.iter().map(|n| self.vars.remove(*n)).collect();
        let n = items.len();
        let mut flow = Flow::Go;
        for (i, item) in items.into_iter().enumerate() {
            self.iterations += 1;
            if self.iterations > MAX_ITERATIONS {
                return Err(pos.err("more than 1000000 #foreach iterations"));
            }
            let has_next = i + 1 < n;
            let meta = serde_json::json!({
                "index": i, "count": i + 1, "hasNext": has_next, "first": i == 0, "last": !has_next,
            });
            self.vars.insert(var.to_string(), item);
            self.vars.insert("foreach".into(), meta);
            self.vars.insert("velocityCount".into(), Value::from(i + 1));
            self.vars
                .insert("velocityHasNext".into(), Value::Bool(has_next));
            match self.nodes(body, out)? {
                Flow::Go => {}
                Flow::Break => break,
                Flow::Stop => {
                    flow = Flow::Stop;
                    break;
                }
            }
        }
        for (name, old) in names.iter().zip(saved) {
            match old {
                Some(v) => self.vars.insert((*name).to_string(), v),
                None => self.vars.remove(*name),
            };
        }
        Ok(flow)
    }

    fn assign(&mut self, target: &Reference, v: Value) -> Result<(), VtlError> {
        if target.parts.iter().any(|p| matches!(p, Part::Method(..))) {
            return Err(self.fail("cannot #set a method call"));
        }
        let steps = self.steps(&target.parts)?;
        let Some((last, prefix)) = steps.split_last() else {
            if v.is_null() {
                self.vars.remove(&target.name);
            } else {
                self.vars.insert(target.name.clone(), v);
            }
            return Ok(());
        };
        self.own_builtin(&target.name);
        let mut cur = self.vars.entry(target.name.clone()).or_insert(Value::Null);
        for step in prefix {
            if cur.is_null() {
                *cur = Value::Object(Map::new());
            }
            cur = match child_mut(cur, step, true) {
                Some(c) => c,
                None => return Ok(()),
            };
        }
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
        if let Some(slot) = child_mut(cur, last, true) {
            *slot = v;
        }
        Ok(())
    }

    fn eval(&mut self, e: &Expr) -> Result<Value, VtlError> {
        Ok(match e {
            Expr::Lit(v) => {
                self.charge(v)?;
                v.clone()
            }
            Expr::Interp(nodes) => {
                let mut s = String::new();
                self.nodes(nodes, &mut s)?;
                Value::String(s)
            }
            Expr::Ref(r) => self.eval_ref(r)?,
            Expr::List(items) => Value::Array(
                items
                    .iter()
                    .map(|x| self.eval(x))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Range(a, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                self.range(&a, &b)?
            }
            Expr::Map(pairs) => {
                let mut m = Map::new();
                for (k, v) in pairs {
                    let k = display(&self.eval(k)?);
                    m.insert(k, self.eval(v)?);
                }
                Value::Object(m)
            }
            Expr::Not(x) => Value::Bool(!truthy(&self.eval(x)?)),
            Expr::Neg(x) => match Num::of(&self.eval(x)?) {
                Some(n) => arith(Op::Sub, Num::I(0), n),
                None => Value::Null,
            },
            Expr::Bin(Op::And, a, b) => {
                Value::Bool(truthy(&self.eval(a)?) && truthy(&self.eval(b)?))
            }
            Expr::Bin(Op::Or, a, b) => {
                Value::Bool(truthy(&self.eval(a)?) || truthy(&self.eval(b)?))
            }
            Expr::Bin(op, a, b) => {
                let (l, r) = (self.eval(a)?, self.eval(b)?);
                self.binary(*op, l, r)?
            }
        })
    }

    /// `[a..b]`, counting down when `b < a`; null unless both ends are integers.
    fn range(&self, a: &Value, b: &Value) -> Result<Value, VtlError> {
        let (Some(a), Some(b)) = (as_int(a), as_int(b)) else {
            return Ok(Value::Null);
        };
        if a.abs_diff(b) >= MAX_ITERATIONS {
            return Err(self.fail(format!("range [{a}..{b}] is too large")));
        }
        self.spend(a.abs_diff(b) + 1)?;
        let items: Vec<Value> = if a <= b {
            (a..=b).map(Value::from).collect()
        } else {
            (b..=a).rev().map(Value::from).collect()
        };
        Ok(Value::Array(items))
    }

    fn binary(&self, op: Op, l: Value, r: Value) -> Result<Value, VtlError> {
        let nums = Num::of(&l).zip(Num::of(&r));
        Ok(match op {
            Op::Eq => Value::Bool(values_equal(&l, &r)),
            Op::Ne => Value::Bool(!values_equal(&l, &r)),
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let Some((x, y)) = nums else {
                    return Ok(Value::Bool(false));
                };
                let ord = match (x, y) {
                    (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
                    _ => x.f().partial_cmp(&y.f()),
                };
                Value::Bool(ord.is_some_and(|o| match op {
                    Op::Lt => o.is_lt(),
                    Op::Le => o.is_le(),
                    Op::Gt => o.is_gt(),
                    _ => o.is_ge(),
                }))
            }
            _ if l.is_null() || r.is_null() => Value::Null,
            Op::Add if l.is_string() || r.is_string() => {
                let mut s = display(&l);
                display_into(&r, &mut s);
                self.sized(Value::String(s))?
            }
            _ => nums.map_or(Value::Null, |(x, y)| arith(op, x, y)),
        })
    }

    /// The parts of a reference with their indices and arguments evaluated, in order.
    fn steps<'t>(&mut self, parts: &'t [Part]) -> Result<Vec<Step<'t>>, VtlError> {
        let mut steps = Vec::with_capacity(parts.len());
        for p in parts {
            steps.push(match p {
                Part::Prop(n) => Step::Prop(n),
                Part::Index(e) => Step::Index(self.eval(e)?),
                Part::Method(n, args) => Step::Method(
                    n,
                    args.iter()
                        .map(|a| self.eval(a))
                        .collect::<Result<_, _>>()?,
                ),
            });
        }
        Ok(steps)
    }

    fn eval_ref(&mut self, r: &Reference) -> Result<Value, VtlError> {
        let mut steps = self.steps(&r.parts)?;
        self.at = r.pos;
        let Some(root) = self.vars.get(&r.name).or_else(|| self.builtin(&r.name)) else {
            let Some((first, rest)) = steps.split_first() else {
                return Ok(Value::Null);
            };
            let base = match r.name.as_str() {
                "input" => self.input_member(first)?,
                "util" => self.util_member(first)?,
                _ => return Ok(Value::Null),
            };
            return self.walk(Cow::Owned(base), rest);
        };
        // A last step that changes a map or list in place must reach the variable itself; after
        // an earlier method call the value is a copy, and the change is made (and lost) there.
        let mutating = match steps.split_last() {
            Some((Step::Method(m, _), prefix)) => {
                matches!(*m, "put" | "add" | "remove" | "putAll")
                    && prefix.iter().all(|s| !matches!(s, Step::Method(..)))
            }
            _ => false,
        };
        if !mutating {
            return self.walk(Cow::Borrowed(root), &steps);
        }
        let Some(Step::Method(method, args)) = steps.pop() else {
            return Ok(Value::Null);
        };
        self.own_builtin(&r.name);
        let target = self.vars.get_mut(&r.name).and_then(|mut cur| {
            for step in &steps {
                cur = child_mut(cur, step, false)?;
            }
            Some(cur)
        });
        Ok(target.map_or(Value::Null, |t| mutate(t, method, args)))
    }

    /// Applies the remaining steps of a reference; null stops the walk.
    fn walk(&self, mut cur: Cow<'_, Value>, steps: &[Step<'_>]) -> Result<Value, VtlError> {
        for step in steps {
            if cur.is_null() {
                return Ok(Value::Null);
            }
            cur = match (cur, step) {
                (cur, Step::Method(name, args)) => Cow::Owned(self.call(&cur, name, args)?),
                (Cow::Borrowed(v), step) => match child(v, step) {
                    Some(c) => Cow::Borrowed(c),
                    None => return Ok(Value::Null),
                },
                (Cow::Owned(mut v), step) => match child_mut(&mut v, step, false) {
                    Some(c) => Cow::Owned(c.take()),
                    None => return Ok(Value::Null),
                },
            };
        }
        match cur {
            Cow::Borrowed(v) => {
                self.charge(v)?;
                Ok(v.clone())
            }
            Cow::Owned(v) => Ok(v),
        }
    }
}
