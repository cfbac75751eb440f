//! `duly serve` end to end: the real binary, killed with SIGKILL in the
//! middle of a stream of writes, loses nothing it acknowledged and stores
//! nothing twice; and a case reads as `duly run` reports it.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests stop at the first failure"
)]

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const WRITER: &str = "writer-token-0123456789";
const READER: &str = "reader-token-0123456789";

fn rules() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules"))
}

struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        std::fs::write(
            dir.join("tokens"),
            format!("writer {WRITER}\nreader {READER}\n"),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_duly"))
            .arg("serve")
            .arg("--db")
            .arg(dir.join("duly.db"))
            .arg("--rules")
            .arg(rules())
            .arg("--tokens")
            .arg(dir.join("tokens"))
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, address }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on its own connection: the status and the body.
fn http(
    address: &str,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

fn batch(n: usize, size: usize) -> (Vec<String>, String) {
    let ids: Vec<String> = (0..size).map(|i| format!("k-{n}-{i}")).collect();
    let events: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                r#"{{"id":"{id}","case":"C{}","at":"2024-07-16","step":"referral","action":"start"}}"#,
                (n * size + i) % 997
            )
        })
        .collect();
    (ids, format!("[{}]", events.join(",")))
}

#[test]
fn every_acknowledged_event_survives_a_kill_and_none_is_stored_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let address = server.address.clone();
    let stop = Arc::new(AtomicBool::new(false));
    // Four writers post batches of 100 until the service dies.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let address = address.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut acknowledged: Vec<(Vec<String>, String)> = Vec::new();
                let mut sent: Vec<Vec<String>> = Vec::new();
                let mut n = w;
                while !stop.load(Ordering::Relaxed) {
                    let (ids, body) = batch(n, 100);
                    n += 4;
                    sent.push(ids.clone());
                    match http(&address, "POST", "/v1/events", WRITER, &body) {
                        Ok((200, answer)) => {
                            let json: serde_json::Value = serde_json::from_str(&answer).unwrap();
                            let results = json["results"].as_array().unwrap();
                            assert!(
                                results.iter().all(|r| r["status"] == "accepted"),
                                "{answer}"
                            );
                            acknowledged.push((ids, body));
                        }
                        Ok((status, answer)) => panic!("{status}: {answer}"),
                        Err(_) => break,
                    }
                }
                (acknowledged, sent)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    // SIGKILL: no chance to flush or finish anything.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    let mut sent = Vec::new();
    for writer in writers {
        let (a, s) = writer.join().unwrap();
        acknowledged.extend(a);
        sent.extend(s);
    }
    assert!(
        acknowledged.len() >= 4,
        "the writers got going: {}",
        acknowledged.len()
    );

    let server = Server::start(dir.path());
    let store = duly_store::SqliteStore::open(dir.path().join("duly.db")).unwrap();
    use duly_store::EventStore;
    let mut stored: HashMap<String, usize> = HashMap::new();
    for event in store.events().unwrap() {
        *stored.entry(event.unwrap().event.id).or_default() += 1;
    }
    assert!(stored.values().all(|&n| n == 1), "an event stored twice");
    for (ids, _) in &acknowledged {
        for id in ids {
            assert!(stored.contains_key(id), "acknowledged event {id} is lost");
        }
    }
    // A batch is stored whole or not at all.
    for ids in &sent {
        let here = ids.iter().filter(|id| stored.contains_key(*id)).count();
        assert!(
            here == 0 || here == ids.len(),
            "a batch was split: {here} of {}",
            ids.len()
        );
    }
    // Sending the acknowledged batches again after the restart stores nothing new.
    for (_, body) in acknowledged.iter().take(5) {
        let (status, answer) = http(&server.address, "POST", "/v1/events", WRITER, body).unwrap();
        assert_eq!(status, 200);
        assert!(
            answer.contains("\"duplicate\"") && !answer.contains("\"accepted\""),
            "{answer}"
        );
    }
    assert_eq!(store.count().unwrap(), stored.len() as u64);
}

#[test]
fn a_case_reads_as_duly_run_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    let events = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/events.jsonl"
    ))
    .unwrap();
    let lines: Vec<&str> = events.lines().collect();
    let mut cases = BTreeSet::new();
    for chunk in lines.chunks(500) {
        let body = format!("[{}]", chunk.join(","));
        let (status, answer) = http(&server.address, "POST", "/v1/events", WRITER, &body).unwrap();
        assert_eq!(status, 200, "{answer}");
        for line in chunk {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            cases.insert(event["case"].as_str().unwrap().to_owned());
        }
    }
    for case in cases.iter().take(5) {
        let run = Command::new(env!("CARGO_BIN_EXE_duly"))
            .args([
                "run",
                "--format",
                "json",
                "--as-of",
                "2025-03-31",
                "--case",
                case,
            ])
            .arg("--rules")
            .arg(rules())
            .arg("--events")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../examples/events.jsonl"
            ))
            .output()
            .unwrap();
        let run: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let mut expected = run["cases"][0].clone();
        expected["as_of"] = "2025-03-31".into();
        let (status, answer) = http(
            &server.address,
            "GET",
            &format!("/v1/cases/{case}?as_of=2025-03-31"),
            READER,
            "",
        )
        .unwrap();
        assert_eq!(status, 200, "{answer}");
        let got: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(got, expected, "case {case}");
    }
}
