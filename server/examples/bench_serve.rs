//! A load generator for `duly serve`: batched ingest over HTTP, then
//! `GET /v1/cases/{id}` from many concurrent clients with a latency
//! histogram. `scripts/bench-serve.sh` runs it against a fresh service; the
//! figures are in `docs/service.md`.
//!
//! ```text
//! bench_serve ingest --address 127.0.0.1:8080 --token T --events events.jsonl [--batch 5000] [--connections 4]
//! bench_serve read   --address 127.0.0.1:8080 --token T --events events.jsonl [--clients 50] [--seconds 20] [--rate 0]
//! ```
//!
//! `--rate` is requests a second across all clients (0: as fast as each
//! client can go, one request after another). Latency is measured from
//! the moment a request was due to be sent, so a slow answer that delays
//! the next request counts against the service (no coordinated omission).
//! At a set rate it also gives the latency from the moment each request was
//! sent: the client's timer wakes it up to a millisecond after a request is
//! due, which the first figure counts and the second does not.

#![allow(clippy::unwrap_used, reason = "a benchmark stops at the first failure")]
#![allow(clippy::panic, reason = "a benchmark stops at the first failure")]
#![allow(missing_docs, reason = "a benchmark program")]

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Args {
    mode: String,
    address: String,
    token: String,
    events: String,
    batch: usize,
    connections: usize,
    clients: usize,
    seconds: u64,
    rate: f64,
}

fn args() -> Args {
    let mut argv = std::env::args().skip(1);
    let mode = argv.next().unwrap_or_default();
    let mut args = Args {
        mode,
        address: "127.0.0.1:8080".into(),
        token: String::new(),
        events: String::new(),
        batch: 5000,
        connections: 4,
        clients: 50,
        seconds: 20,
        rate: 0.0,
    };
    while let Some(flag) = argv.next() {
        let value = argv
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--address" => args.address = value,
            "--token" => args.token = value,
            "--events" => args.events = value,
            "--batch" => args.batch = value.parse().unwrap(),
            "--connections" => args.connections = value.parse().unwrap(),
            "--clients" => args.clients = value.parse().unwrap(),
            "--seconds" => args.seconds = value.parse().unwrap(),
            "--rate" => args.rate = value.parse().unwrap(),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(address: &str) -> Sender {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

async fn send(
    sender: &mut Sender,
    method: &str,
    path: &str,
    token: &str,
    body: Bytes,
) -> (u16, Bytes) {
    sender.ready().await.unwrap();
    let request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(body))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}

fn main() {
    let args = Arc::new(args());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let text = std::fs::read_to_string(&args.events).unwrap();
    match args.mode.as_str() {
        "ingest" => runtime.block_on(ingest(args.clone(), &text)),
        "read" => runtime.block_on(read(args.clone(), &text)),
        _ => panic!("say `ingest` or `read`"),
    }
}

async fn ingest(args: Arc<Args>, text: &str) {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let batches: Arc<Vec<Bytes>> = Arc::new(
        lines
            .chunks(args.batch)
            .map(|c| Bytes::from(format!("[{}]", c.join(","))))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (args, batches, next, accepted) = (
            args.clone(),
            batches.clone(),
            next.clone(),
            accepted.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(&args.address).await;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(batch) = batches.get(i) else { break };
                let (status, body) = send(
                    &mut sender,
                    "POST",
                    "/v1/events",
                    &args.token,
                    batch.clone(),
                )
                .await;
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let n = json["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["status"] != "rejected")
                    .count();
                accepted.fetch_add(n, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let n = accepted.load(Ordering::Relaxed);
    println!(
        "ingest: {n} of {} events stored (accepted or duplicate) in {seconds:.2} s over {} connections, batches of {}: {:.0} events/s",
        lines.len(),
        args.connections,
        args.batch,
        n as f64 / seconds
    );
}

async fn read(args: Arc<Args>, text: &str) {
    let mut cases: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|e| e["case"].as_str().map(str::to_owned))
        .collect();
    cases.sort_unstable();
    cases.dedup();
    let cases = Arc::new(cases);
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let interval =
        (args.rate > 0.0).then(|| Duration::from_secs_f64(args.clients as f64 / args.rate));
    let mut tasks = Vec::new();
    for client in 0..args.clients {
        let (args, cases) = (args.clone(), cases.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(&args.address).await;
            let mut latencies: Vec<u32> = Vec::new();
            let mut answers: Vec<u32> = Vec::new();
            let mut errors = 0usize;
            // A small, fixed pseudo-random walk over the cases.
            let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ client as u64;
            let mut due = Instant::now()
                + interval.map_or(Duration::ZERO, |i| {
                    i.mul_f64(client as f64 / args.clients as f64)
                });
            loop {
                if interval.is_some() {
                    tokio::time::sleep_until(due.into()).await;
                } else {
                    due = Instant::now();
                }
                if due >= until {
                    break;
                }
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let case = &cases[(x % cases.len() as u64) as usize];
                let path = format!("/v1/cases/{case}");
                let sent = Instant::now();
                let (status, _) = send(&mut sender, "GET", &path, &args.token, Bytes::new()).await;
                if status != 200 {
                    errors += 1;
                }
                let micros =
                    |from: Instant| u32::try_from(from.elapsed().as_micros()).unwrap_or(u32::MAX);
                latencies.push(micros(due));
                answers.push(micros(sent));
                if let Some(interval) = interval {
                    due += interval;
                }
            }
            (latencies, answers, errors)
        }));
    }
    let mut all = Vec::new();
    let mut sent = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, answers, e) = task.await.unwrap();
        all.extend(latencies);
        sent.extend(answers);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    sent.sort_unstable();
    let quantile = |of: &[u32], q: f64| {
        let i = ((of.len() as f64 * q).ceil() as usize).clamp(1, of.len().max(1)) - 1;
        of.get(i).copied().unwrap_or(0) as f64 / 1000.0
    };
    let at = |q: f64| quantile(&all, q);
    println!(
        "read: {} requests ({errors} not 200) from {} clients over {} cases in {seconds:.1} s: {:.0} requests/s; latency ms p50 {:.2}, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
        all.len(),
        args.clients,
        cases.len(),
        all.len() as f64 / seconds,
        at(0.50),
        at(0.90),
        at(0.99),
        at(0.999),
        at(1.0),
    );
    if interval.is_some() {
        // At a set rate the client sleeps until each request is due, and
        // tokio's timer wakes it up to a millisecond late: that lag is in
        // the latency above (as is any wait behind a slow answer), not here.
        let at = |q: f64| quantile(&sent, q);
        println!(
            "      from the moment each request was sent: p50 {:.2}, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
            at(0.50),
            at(0.90),
            at(0.99),
            at(0.999),
            at(1.0),
        );
    }
}
