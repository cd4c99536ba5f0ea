//! The README and `docs/*.md` against the binary and the tree, offline: every command a reader
//! pastes from a fenced `sh` (or `bash`, `shell`, `console`) block that runs the emulator
//! (`apigw-emulator …`, `cargo run … -- …`) names a subcommand the binary has and only flags its
//! `--help` lists; the scripts and files those blocks name exist; every relative markdown link
//! points to an existing file, and an anchor to a heading that page has.
//!
//! The binary is the one the other tests run ([`client_tests::emulator_binary`]); nothing is
//! started and no network is used.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use client_tests::{emulator_binary, EMULATOR_BINARY, EMULATOR_BINARY_PACKAGE};

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("client-tests sits in the repository")
        .to_path_buf()
}

/// `README.md` and every `docs/*.md`, as (path relative to the root, text).
fn pages() -> Vec<(String, String)> {
    let root = root();
    let mut names = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    names.extend(docs);
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(root.join(&n)).expect("the page reads");
            (n, text)
        })
        .collect()
}

/// A fence line's info string (```` ```sh ```` → `Some("sh")`), if the line is a fence.
fn fence(line: &str) -> Option<&str> {
    let t = line.trim_start();
    t.strip_prefix("```")
        .or_else(|| t.strip_prefix("~~~"))
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
}

/// The shell commands of a page's command blocks, as (line number, command), continuation lines
/// (`\` at the end) joined. In `console` blocks only `$ ` lines (and their continuations) count.
fn commands(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if let Some(info) = fence(line) {
            block = match block {
                None => Some(info.to_ascii_lowercase()),
                Some(_) => None,
            };
            if let Some(p) = pending.take() {
                out.push(p);
            }
            continue;
        }
        let Some(lang) = block.as_deref() else {
            continue;
        };
        let part = if let Some((start, mut so_far)) = pending.take() {
            so_far.push(' ');
            so_far.push_str(line.trim());
            Some((start, so_far))
        } else {
            match lang {
                "sh" | "bash" | "shell" => Some((number, line.trim().to_string())),
                "console" => line
                    .trim_start()
                    .strip_prefix("$ ")
                    .map(|c| (number, c.trim().to_string())),
                _ => None,
            }
        };
        if let Some((start, command)) = part {
            match command.strip_suffix('\\') {
                Some(head) => pending = Some((start, head.trim_end().to_string())),
                None => out.push((start, command)),
            }
        }
    }
    out
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    /// `|`, `;`, `&&`, `(`, `$(`, `>`, …: a command ends or starts here.
    Op,
}

/// Splits a command line the way a shell would, as far as these checks need: quotes, escapes,
/// comments, operators and command substitution.
fn tokens(line: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let end = |word: &mut String, in_word: &mut bool, out: &mut Vec<Token>| {
        if *in_word {
            out.push(Token::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => end(&mut word, &mut in_word, &mut out),
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                word.push(n);
                            }
                        }
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                end(&mut word, &mut in_word, &mut out);
                out.push(Token::Op);
            }
            '|' | ';' | '&' | '(' | ')' | '<' | '>' | '`' => {
                end(&mut word, &mut in_word, &mut out);
                out.push(Token::Op);
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end(&mut word, &mut in_word, &mut out);
    out
}

/// The simple commands of a line, each as its words without leading `NAME=value` assignments.
fn simple_commands(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for token in tokens(line).into_iter().chain([Token::Op]) {
        match token {
            Token::Word(w) => {
                let assignment = current.is_empty()
                    && w.split_once('=').is_some_and(|(name, _)| {
                        !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    });
                if !assignment {
                    current.push(w);
                }
            }
            Token::Op => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    out
}

/// The binary's `--help` for a subcommand path, cached.
struct Help {
    binary: PathBuf,
    cache: BTreeMap<Vec<String>, String>,
}

impl Help {
    fn of(&mut self, path: &[String]) -> &str {
        let binary = &self.binary;
        self.cache.entry(path.to_vec()).or_insert_with(|| {
            let output = Command::new(binary)
                .args(path)
                .arg("--help")
                .output()
                .expect("the binary runs");
            assert!(
                output.status.success(),
                "`{} {} --help` failed: {}",
                EMULATOR_BINARY,
                path.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8_lossy(&output.stdout).into_owned()
        })
    }
}

/// The subcommands a `--help` lists under `Commands:`.
fn subcommands(help: &str) -> BTreeSet<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Whether `help` lists `flag` (`--config`, `-c`) as a flag of its own, not as a prefix.
fn lists_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let before = help[..i].chars().next_back();
        let after = help[i + flag.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '-')
    })
}

/// Checks one invocation's arguments (after `apigw-emulator`) against the binary; returns the
/// problems found.
fn check_invocation(args: &[String], help: &mut Help) -> Vec<String> {
    let mut problems = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut i = 0;
    loop {
        let subs = subcommands(help.of(&path));
        if subs.is_empty() {
            break;
        }
        match args.get(i) {
            Some(a) if subs.contains(a) => {
                path.push(a.clone());
                i += 1;
            }
            Some(a) if !a.starts_with('-') => {
                problems.push(format!(
                    "`{a}` is not a subcommand of `{}`; it has: {}",
                    [EMULATOR_BINARY.to_string()]
                        .iter()
                        .chain(&path)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" "),
                    subs.into_iter().collect::<Vec<_>>().join(", ")
                ));
                return problems;
            }
            _ => {
                let only_info = !args[i..].is_empty()
                    && args[i..]
                        .iter()
                        .all(|a| matches!(a.as_str(), "--help" | "-h" | "--version" | "-V"));
                if !only_info {
                    problems.push(format!(
                        "names no subcommand of `{}`",
                        [EMULATOR_BINARY.to_string()]
                            .iter()
                            .chain(&path)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                    return problems;
                }
                break;
            }
        }
    }
    let text = help.of(&path).to_string();
    let shown = [EMULATOR_BINARY.to_string()]
        .iter()
        .chain(&path)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let rest = &args[i..];
    for (k, arg) in rest.iter().enumerate() {
        if arg == "--" {
            break;
        }
        let flag = if arg.starts_with("--") {
            arg.split('=').next().unwrap_or(arg)
        } else if arg.len() == 2 && arg.starts_with('-') && arg.as_bytes()[1].is_ascii_alphabetic()
        {
            arg.as_str()
        } else {
            continue;
        };
        if !lists_flag(&text, flag) {
            problems.push(format!(
                "`{shown}` has no flag `{flag}` (see `{shown} --help`)"
            ));
        }
        // Files the repository is meant to hold: scenarios, templates, policies given by path.
        if matches!(flag, "--config" | "--template" | "--policy" | "-c" | "-t") {
            let value = match arg.split_once('=') {
                Some((_, v)) => Some(v),
                None => rest.get(k + 1).map(String::as_str),
            };
            if let Some(v) = value.filter(|v| is_repo_path(v)) {
                if !root().join(v).exists() {
                    problems.push(format!("`{flag} {v}`: no such file in the repository"));
                }
            }
        }
    }
    problems
}

/// A relative path into the repository (it has a `/`, no variable, no URL, no home).
fn is_repo_path(word: &str) -> bool {
    word.contains('/')
        && !word.contains("://")
        && !word.starts_with(['/', '$', '~', '-'])
        && !word.contains(['$', '…', '<', '*'])
        && !word.starts_with("arn:")
}

/// Checks one simple command: an emulator invocation, a script of the repository, a file given
/// as `file://`/`fileb://`.
fn check_command(words: &[String], help: &mut Help, invocations: &mut usize) -> Vec<String> {
    let mut problems = Vec::new();
    let words: Vec<String> = match words.first().map(String::as_str) {
        Some("sudo") | Some("exec") => words[1..].to_vec(),
        _ => words.to_vec(),
    };
    let Some(first) = words.first() else {
        return problems;
    };
    // cargo run [--release] [-p PACKAGE] [--bin NAME] -- ARGS
    if first == "cargo" && words.get(1).map(String::as_str) == Some("run") {
        let mut k = 2;
        while k < words.len() && words[k] != "--" {
            match words[k].as_str() {
                "--release" | "-q" | "--quiet" => k += 1,
                "-p" | "--package" => {
                    let value = words.get(k + 1).map(String::as_str).unwrap_or("");
                    if value != EMULATOR_BINARY_PACKAGE {
                        problems.push(format!(
                            "`cargo run -p {value}`: the binary is in package `{EMULATOR_BINARY_PACKAGE}`"
                        ));
                    }
                    k += 2;
                }
                "--bin" => {
                    let value = words.get(k + 1).map(String::as_str).unwrap_or("");
                    if value != EMULATOR_BINARY {
                        problems.push(format!(
                            "`cargo run --bin {value}`: the binary is `{EMULATOR_BINARY}`"
                        ));
                    }
                    k += 2;
                }
                other => {
                    problems.push(format!("`cargo run {other}`: not an option these docs use"));
                    k += 1;
                }
            }
        }
        *invocations += 1;
        let args = words.get(k + 1..).unwrap_or(&[]);
        problems.extend(check_invocation(args, help));
        return problems;
    }
    // A script of the repository run by path or with `bash`/`sh`.
    let script = match first.as_str() {
        "bash" | "sh" => words.get(1).filter(|w| !w.starts_with('-')),
        _ => Some(first),
    };
    if let Some(s) = script.filter(|s| is_repo_path(s)) {
        if !root().join(s).is_file() {
            problems.push(format!("`{s}`: no such script in the repository"));
        }
    }
    for w in &words {
        for scheme in ["fileb://", "file://"] {
            if let Some((_, path)) = w.split_once(scheme) {
                if is_repo_path(&format!("./{path}")) && !root().join(path).is_file() {
                    problems.push(format!("`{scheme}{path}`: no such file in the repository"));
                }
            }
        }
    }
    // The emulator itself, anywhere in the command (`docker compose exec emulator apigw-emulator …`).
    for (k, w) in words.iter().enumerate() {
        let named = w == EMULATOR_BINARY || w.ends_with(&format!("/{EMULATOR_BINARY}"));
        let after_option = k > 0 && matches!(words[k - 1].as_str(), "-p" | "--package" | "--bin");
        if named && !after_option {
            *invocations += 1;
            problems.extend(check_invocation(&words[k + 1..], help));
            break;
        }
    }
    problems
}

#[test]
fn every_documented_command_is_one_the_binary_accepts() {
    let mut help = Help {
        binary: emulator_binary(),
        cache: BTreeMap::new(),
    };
    let mut problems = Vec::new();
    let mut invocations = 0;
    for (name, text) in pages() {
        for (line, command) in commands(&text) {
            for words in simple_commands(&command) {
                for p in check_command(&words, &mut help, &mut invocations) {
                    problems.push(format!("{name}:{line}: {p}\n    {command}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "documented commands the binary would refuse:\n{}",
        problems.join("\n")
    );
    // The README's own run command alone is one; fewer means the blocks were not found.
    assert!(
        invocations >= 3,
        "only {invocations} emulator commands found in the docs' command blocks"
    );
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors a page's headings make (outside code blocks), repeated ones numbered as GitHub does.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut in_block = false;
    for line in text.lines() {
        if fence(line).is_some() {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let base = slug(&line[hashes..]);
            let n = seen.entry(base.clone()).or_insert(0);
            out.insert(if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            });
            *n += 1;
        }
    }
    out
}

/// A page's markdown link targets outside code, as (line number, target).
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    for (i, line) in text.lines().enumerate() {
        if fence(line).is_some() {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        // Drop code spans: a `[x](y)` inside backticks is not a link.
        let mut prose = String::new();
        for (k, part) in line.split('`').enumerate() {
            if k % 2 == 0 {
                prose.push_str(part);
            } else {
                prose.push_str("``");
            }
        }
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(close) = after.find(')') else {
                break;
            };
            let target = after[..close]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>');
            let target = target.split_whitespace().next().unwrap_or("");
            out.push((i + 1, target.to_string()));
            rest = &after[close..];
        }
        // Reference definitions: `[name]: target`.
        if let Some(def) = line.trim_start().strip_prefix('[') {
            if let Some((_, target)) = def.split_once("]: ") {
                out.push((
                    i + 1,
                    target.split_whitespace().next().unwrap_or("").to_string(),
                ));
            }
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_docs_points_to_a_file_and_heading_that_exist() {
    let root = root();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (name, text) in pages() {
        let dir = Path::new(&name)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for (line, target) in links(&text) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                root.join(&name)
            } else {
                root.join(&dir).join(path)
            };
            if !file.exists() {
                problems.push(format!(
                    "{name}:{line}: ({target}): {} does not exist",
                    file.display()
                ));
                continue;
            }
            if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
                if file.extension().is_some_and(|e| e == "md") {
                    let page = std::fs::read_to_string(&file).expect("the linked page reads");
                    if !anchors(&page).contains(anchor) {
                        problems.push(format!(
                            "{name}:{line}: ({target}): no heading makes #{anchor}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
    assert!(
        checked >= 10,
        "only {checked} relative links found: the link parser is broken"
    );
}

#[test]
fn the_parsers_see_what_a_shell_and_a_reader_see() {
    assert_eq!(
        simple_commands("docker/build-images   # the static binary, then both images"),
        vec![vec!["docker/build-images".to_string()]]
    );
    assert_eq!(
        simple_commands(
            r#"vpc=$($aws ec2 create-vpc --query 'Vpc.VpcId' --output text) && FOO=1 apigw-emulator up --config "a b.json""#
        ),
        vec![
            vec![
                "$aws",
                "ec2",
                "create-vpc",
                "--query",
                "Vpc.VpcId",
                "--output",
                "text"
            ]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
            vec!["apigw-emulator", "up", "--config", "a b.json"]
                .into_iter()
                .map(String::from)
                .collect(),
        ]
    );
    let page = "```console\n$ apigw-emulator policy eval --policy p.json \\\n    --resource arn\n{\"decision\": 1}\n```\n";
    assert_eq!(
        commands(page),
        vec![(
            2,
            "apigw-emulator policy eval --policy p.json --resource arn".to_string()
        )]
    );
    assert!(lists_flag("  -c, --config <FILE>\n", "--config"));
    assert!(!lists_flag("  --config-dir <DIR>\n", "--config"));
    assert!(
        anchors("# A (b)\n```\n# not\n```\n## Who is asking, security groups, dual stack\n")
            .contains("who-is-asking-security-groups-dual-stack")
    );
    assert!(anchors("# A (b)\n").contains("a-b"));
}
