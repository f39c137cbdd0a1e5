//! HTTPS served directly with rustls from a configured certificate and key.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Db, TestApp};

async fn https_get(port: u16, roots: &rustls::RootCertStore, path: &str) -> String {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("TLS handshake with the configured certificate");
    tls.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    tls.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_is_served_with_the_configured_certificate() {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, generated.cert.pem()).unwrap();
    std::fs::write(&key_path, generated.signing_key.serialize_pem()).unwrap();
    let app = TestApp::spawn(Db::Sqlite, |c| {
        c.tls = Some(sangdam_web::TlsFiles { certificate: cert_path.clone(), private_key: key_path.clone() });
    })
    .await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(generated.cert.der().clone()).unwrap();

    let health = https_get(port, &roots, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
    assert!(health.ends_with("ok"));
    let landing = https_get(port, &roots, "/").await.to_lowercase();
    assert!(landing.contains("strict-transport-security: max-age=31536000"));
    assert!(
        landing.contains("set-cookie: sangdam_csrf=") && landing.contains("; secure"),
        "cookies are Secure under HTTPS"
    );

    // A plain-HTTP client gets no page from the TLS port.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    app.finish().await;
}
