//! The expression language of item templates, on top of `evalexpr`.
//!
//! Templates compute answers and fill `{placeholders}` with small arithmetic
//! expressions. evalexpr parses them; this module pins down the semantics a maths course
//! needs: every number is a real number (integer literals are turned into floats after
//! parsing, so `3/4` is `0.75`, not `0`), only the functions gcd, lcm, min, max, abs,
//! floor, ceil and round exist (evalexpr's other builtins are disabled, so nothing
//! random or string-valued sneaks in), and results print as a teacher would write them
//! ([`format_number`]).

use evalexpr::{
    Context, ContextWithMutableFunctions, ContextWithMutableVariables, DefaultNumericTypes,
    EvalexprError, Function, HashMapContext, Node, Operator, Value,
};

/// The functions templates may call.
pub(crate) const FUNCTIONS: [&str; 8] =
    ["gcd", "lcm", "min", "max", "abs", "floor", "ceil", "round"];

/// A parsed expression, with its source for messages.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub src: String,
    tree: Node<DefaultNumericTypes>,
}

/// Variable values for one template instance.
pub(crate) struct Scope {
    ctx: HashMapContext<DefaultNumericTypes>,
}

impl Expr {
    /// Parses `src` and checks that it only uses `variables` and the known functions.
    pub fn compile(src: &str, variables: &[String]) -> Result<Expr, String> {
        let mut tree = evalexpr::build_operator_tree::<DefaultNumericTypes>(src)
            .map_err(|e| format!("expression `{src}` does not parse: {e}"))?;
        for op in tree.iter_operators_mut() {
            if let Operator::Const {
                value: Value::Int(i),
            } = op
            {
                *op = Operator::Const {
                    value: Value::Float(*i as f64),
                };
            }
        }
        for op in tree.iter() {
            match op.operator() {
                Operator::VariableIdentifierRead { identifier }
                    if !variables.iter().any(|v| v == identifier) =>
                {
                    let declared = if variables.is_empty() {
                        "none are declared".to_string()
                    } else {
                        format!("declared: {}", variables.join(", "))
                    };
                    return Err(format!(
                        "expression `{src}` uses the unknown variable `{identifier}` ({declared}); declare it under [template.variables]"
                    ));
                }
                Operator::FunctionIdentifier { identifier }
                    if !FUNCTIONS.contains(&identifier.as_str()) =>
                {
                    return Err(format!(
                        "expression `{src}` calls the unknown function `{identifier}`; available: {}",
                        FUNCTIONS.join(", ")
                    ));
                }
                Operator::VariableIdentifierWrite { .. }
                | Operator::Assign
                | Operator::AddAssign
                | Operator::SubAssign
                | Operator::MulAssign
                | Operator::DivAssign
                | Operator::ModAssign
                | Operator::ExpAssign
                | Operator::AndAssign
                | Operator::OrAssign
                | Operator::Chain => {
                    return Err(format!(
                        "expression `{src}` assigns or chains; use `==` to compare and one expression per field"
                    ));
                }
                Operator::Const {
                    value: Value::String(_),
                } => {
                    return Err(format!(
                        "expression `{src}` contains a string; expressions compute numbers"
                    ));
                }
                _ => {}
            }
        }
        for node in tree.iter() {
            if !arity_ok(node) {
                return Err(format!(
                    "expression `{src}` does not parse: an operator is missing an operand or a bracket is misplaced"
                ));
            }
        }
        Ok(Expr {
            src: src.to_string(),
            tree,
        })
    }

    fn eval(&self, scope: &Scope) -> Result<Value<DefaultNumericTypes>, String> {
        self.tree.eval_with_context(&scope.ctx).map_err(|e| {
            format!(
                "expression `{}` fails{}: {}",
                self.src,
                scope.describe(),
                message(&e)
            )
        })
    }

    /// Evaluates to a finite number.
    pub fn number(&self, scope: &Scope) -> Result<f64, String> {
        match self.eval(scope)? {
            Value::Float(f) if f.is_finite() => Ok(f),
            Value::Float(_) => Err(format!(
                "expression `{}` has no finite value{} (division by zero?)",
                self.src,
                scope.describe()
            )),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!(
                "expression `{}` must give a number but gives {}{}",
                self.src,
                kind(&other),
                scope.describe()
            )),
        }
    }

    /// Evaluates to a boolean (constraints).
    pub fn boolean(&self, scope: &Scope) -> Result<bool, String> {
        match self.eval(scope)? {
            Value::Boolean(b) => Ok(b),
            other => Err(format!(
                "constraint `{}` must be true or false (a comparison such as `a < b`) but gives {}",
                self.src,
                kind(&other)
            )),
        }
    }
}

/// evalexpr accepts some incomplete input such as `a +` and only fails when evaluating;
/// checking each operator's operand count catches it at import time.
fn arity_ok(node: &Node<DefaultNumericTypes>) -> bool {
    let n = node.children().len();
    match node.operator() {
        Operator::RootNode
        | Operator::Neg
        | Operator::Not
        | Operator::FunctionIdentifier { .. } => n == 1,
        Operator::Const { .. } | Operator::VariableIdentifierRead { .. } => n == 0,
        Operator::Tuple => n >= 2,
        _ => n == 2,
    }
}

fn kind(v: &Value<DefaultNumericTypes>) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Float(_) | Value::Int(_) => "a number",
        Value::Boolean(_) => "true/false",
        Value::Tuple(_) => "a list of values",
        Value::Empty => "nothing",
    }
}

fn message(e: &EvalexprError<DefaultNumericTypes>) -> String {
    match e {
        EvalexprError::CustomMessage(m) => m.clone(),
        other => other.to_string(),
    }
}

fn args(v: &Value<DefaultNumericTypes>) -> Vec<f64> {
    match v {
        Value::Tuple(t) => t.iter().filter_map(|v| v.as_number().ok()).collect(),
        other => other.as_number().into_iter().collect(),
    }
}

fn numbers(
    name: &str,
    v: &Value<DefaultNumericTypes>,
    n: Option<usize>,
) -> Result<Vec<f64>, EvalexprError<DefaultNumericTypes>> {
    let all = match v {
        Value::Tuple(t) => t.len(),
        _ => 1,
    };
    let xs = args(v);
    if xs.len() != all || xs.is_empty() || n.is_some_and(|n| n != xs.len()) {
        let want = match n {
            Some(1) => "one number".to_string(),
            Some(n) => format!("{n} numbers"),
            None => "one or more numbers".to_string(),
        };
        return Err(EvalexprError::CustomMessage(format!(
            "{name}() takes {want}"
        )));
    }
    Ok(xs)
}

fn whole(name: &str, xs: &[f64]) -> Result<Vec<i64>, EvalexprError<DefaultNumericTypes>> {
    xs.iter()
        .map(|&x| {
            if x.fract() == 0.0 && x.abs() < 9.0e15 {
                Ok(x as i64)
            } else {
                Err(EvalexprError::CustomMessage(format!(
                    "{name}() needs whole numbers, got {}",
                    format_number(x)
                )))
            }
        })
        .collect()
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a as i64
}

type Fv = Result<Value<DefaultNumericTypes>, EvalexprError<DefaultNumericTypes>>;

fn unary(name: &'static str, f: fn(f64) -> f64) -> Function<DefaultNumericTypes> {
    Function::new(move |v| -> Fv { Ok(Value::Float(f(numbers(name, v, Some(1))?[0]))) })
}

impl Scope {
    pub fn new() -> Scope {
        let mut ctx = HashMapContext::<DefaultNumericTypes>::new();
        // Builtins include random and string functions; templates must be deterministic.
        let _ = ctx.set_builtin_functions_disabled(true);
        let fns: [(&str, Function<DefaultNumericTypes>); 8] = [
            (
                "gcd",
                Function::new(|v| -> Fv {
                    let xs = whole("gcd", &numbers("gcd", v, None)?)?;
                    Ok(Value::Float(xs.iter().fold(0, |g, &x| gcd(g, x)) as f64))
                }),
            ),
            (
                "lcm",
                Function::new(|v| -> Fv {
                    let xs = whole("lcm", &numbers("lcm", v, None)?)?;
                    let mut l: i64 = 1;
                    for &x in &xs {
                        if x == 0 {
                            return Ok(Value::Float(0.0));
                        }
                        l = (l / gcd(l, x)).checked_mul(x.abs()).ok_or_else(|| {
                            EvalexprError::CustomMessage("lcm() is too large".into())
                        })?;
                    }
                    Ok(Value::Float(l as f64))
                }),
            ),
            (
                "min",
                Function::new(|v| -> Fv {
                    Ok(Value::Float(
                        numbers("min", v, None)?
                            .into_iter()
                            .fold(f64::INFINITY, f64::min),
                    ))
                }),
            ),
            (
                "max",
                Function::new(|v| -> Fv {
                    Ok(Value::Float(
                        numbers("max", v, None)?
                            .into_iter()
                            .fold(f64::NEG_INFINITY, f64::max),
                    ))
                }),
            ),
            ("abs", unary("abs", f64::abs)),
            ("floor", unary("floor", f64::floor)),
            ("ceil", unary("ceil", f64::ceil)),
            ("round", unary("round", f64::round)),
        ];
        for (name, f) in fns {
            let _ = ctx.set_function(name.to_string(), f);
        }
        Scope { ctx }
    }

    pub fn set(&mut self, name: &str, value: i64) {
        let _ = self
            .ctx
            .set_value(name.to_string(), Value::Float(value as f64));
    }

    /// ", when a = 1, b = 2": the variable values, for error messages.
    fn describe(&self) -> String {
        use evalexpr::IterateVariablesContext;
        let mut vars: Vec<(String, String)> = self
            .ctx
            .iter_variables()
            .map(|(k, v)| (k, v.as_number().map(format_number).unwrap_or_default()))
            .collect();
        if vars.is_empty() {
            return String::new();
        }
        vars.sort();
        let list: Vec<String> = vars.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        format!(" when {}", list.join(", "))
    }
}

/// Formats a number as a teacher would write it: integers without a decimal point,
/// others with at most 4 decimals and no trailing zeros.
pub fn format_number(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 && x.abs() < 9.0e15 {
        let r = x.round();
        return format!("{}", if r == 0.0 { 0 } else { r as i64 });
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A text with `{expression}` placeholders. `{{` and `}}` stand for literal braces.
#[derive(Debug, Clone)]
pub(crate) struct Text {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    Expr(Expr),
}

impl Text {
    pub fn compile(src: &str, variables: &[String]) -> Result<Text, String> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = src.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let rest = &src[i + 1..];
                    let Some(end) = rest.find('}') else {
                        return Err(format!(
                            "unclosed `{{` in \"{src}\"; close the placeholder with `}}` or write `{{{{` for a literal brace"
                        ));
                    };
                    let inner = &rest[..end];
                    if inner.trim().is_empty() {
                        return Err(format!(
                            "empty placeholder `{{}}` in \"{src}\"; put an expression inside"
                        ));
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Expr(Expr::compile(inner.trim(), variables)?));
                    while chars.peek().is_some_and(|&(j, _)| j <= i + 1 + end) {
                        chars.next();
                    }
                }
                '}' => {
                    return Err(format!(
                        "unmatched `}}` in \"{src}\"; write `}}}}` for a literal brace"
                    ));
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Text { parts })
    }

    pub fn render(&self, scope: &Scope) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                Part::Expr(e) => out.push_str(&format_number(e.number(scope)?)),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn division_is_real() {
        let e = Expr::compile("3/4", &[]).unwrap();
        assert_eq!(e.number(&Scope::new()).unwrap(), 0.75);
    }

    #[test]
    fn functions_and_comparisons() {
        let v = vars(&["a", "b"]);
        let mut s = Scope::new();
        s.set("a", 6);
        s.set("b", 4);
        let n = |src: &str| Expr::compile(src, &v).unwrap().number(&s).unwrap();
        assert_eq!(n("gcd(a, b)"), 2.0);
        assert_eq!(n("lcm(a, b)"), 12.0);
        assert_eq!(n("min(a, b, 1)"), 1.0);
        assert_eq!(n("max(a, b)"), 6.0);
        assert_eq!(n("abs(b - a)"), 2.0);
        assert_eq!(n("floor(a / b)"), 1.0);
        assert_eq!(n("ceil(a / b)"), 2.0);
        assert_eq!(n("round(a / b)"), 2.0);
        assert_eq!(n("a ^ 2 % 5"), 1.0);
        let b = |src: &str| Expr::compile(src, &v).unwrap().boolean(&s).unwrap();
        assert!(b("gcd(a, b) == 2 && a > b"));
        assert!(b("!(a != 6)"));
        assert!(!b("!(a == 6)"));
    }

    #[test]
    fn compile_errors_name_the_problem() {
        let v = vars(&["a"]);
        assert!(
            Expr::compile("a +", &v)
                .unwrap_err()
                .contains("does not parse")
        );
        assert!(
            Expr::compile("a + z", &v)
                .unwrap_err()
                .contains("unknown variable `z`")
        );
        assert!(
            Expr::compile("sqrt(a)", &v)
                .unwrap_err()
                .contains("unknown function `sqrt`")
        );
        assert!(Expr::compile("a = 3", &v).unwrap_err().contains("assigns"));
    }

    #[test]
    fn evaluation_errors() {
        let v = vars(&["a"]);
        let mut s = Scope::new();
        s.set("a", 0);
        let err = Expr::compile("1 / a", &v).unwrap().number(&s).unwrap_err();
        assert!(err.contains("no finite value when a = 0"), "{err}");
        let err = Expr::compile("gcd(a / 2 + 0.5, 2)", &v)
            .unwrap()
            .number(&s)
            .unwrap_err();
        assert!(err.contains("whole numbers"), "{err}");
        let err = Expr::compile("a < 1", &v).unwrap().number(&s).unwrap_err();
        assert!(err.contains("must give a number"), "{err}");
    }

    #[test]
    fn formats() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(0.75), "0.75");
        assert_eq!(format_number(1.0 / 3.0), "0.3333");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(-1.25), "-1.25");
        assert_eq!(format_number(0.00001), "0");
    }

    #[test]
    fn placeholders() {
        let v = vars(&["a", "b"]);
        let mut s = Scope::new();
        s.set("a", 3);
        s.set("b", 4);
        let t = Text::compile("{a}/{b} = {a/b}; {{literal}}", &v).unwrap();
        assert_eq!(t.render(&s).unwrap(), "3/4 = 0.75; {literal}");
        assert!(Text::compile("{a", &v).unwrap_err().contains("unclosed"));
        assert!(Text::compile("a}", &v).unwrap_err().contains("unmatched"));
        assert!(
            Text::compile("{q}", &v)
                .unwrap_err()
                .contains("unknown variable")
        );
    }
}
