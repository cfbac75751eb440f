//! 10,000 events over 50 concurrent connections: each is accepted or
//! answered with a clear error, and every accepted one is stored once.

#![allow(clippy::unwrap_used, reason = "tests stop at the first failure")]

mod common;

use common::*;
use duly_store::EventStore;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

const CONNECTIONS: usize = 50;
const PER_CONNECTION: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_events_over_fifty_connections() {
    let setup = Setup::new(&rules("2018.1", ""));
    let service = setup.start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(duly_server::serve(service, listener, async {
        let _ = stopped.await;
    }));

    let mut clients = Vec::new();
    for c in 0..CONNECTIONS {
        clients.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(address).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let mut answers = Vec::new();
            for i in 0..PER_CONNECTION {
                let id = format!("e-{c}-{i}");
                let body = s47(&id, &format!("C{c}-{}", i % 20), "2019-04-12").to_string();
                let request = hyper::Request::post("/v1/events")
                    .header("host", "localhost")
                    .header("authorization", format!("Bearer {WRITER}"))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .unwrap();
                let response = sender.send_request(request).await.unwrap();
                let status = response.status();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                answers.push((id, status, json));
            }
            answers
        }));
    }
    let mut accepted = 0;
    for client in clients {
        for (id, status, json) in client.await.unwrap() {
            if status.is_success() {
                assert_eq!(json["results"][0]["id"], id.as_str());
                assert_eq!(json["results"][0]["status"], "accepted", "{json}");
                accepted += 1;
            } else {
                // A clear error: a code and a message, and only "try again".
                assert_eq!(status, 503, "{json}");
                assert!(json["code"].is_string() && json["message"].is_string());
            }
        }
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let store = duly_store::SqliteStore::open(setup.db()).unwrap();
    assert_eq!(store.count().unwrap(), accepted);
    assert_eq!(
        accepted,
        (CONNECTIONS * PER_CONNECTION) as u64,
        "nothing was busy"
    );
}
