//! TLS to PostgreSQL: a cluster of the test's own that accepts TLS connections only
//! (`hostssl`), with a certificate for `localhost` from a CA of its own.

use adapters_db::testing::{ClusterKind, ThrowawayCluster};
use adapters_db::{Database, PoolOptions};

async fn connect(url: &str) -> Result<Database, String> {
    Database::connect(url, &PoolOptions::default())
        .await
        .map_err(|e| e.to_string())
}

fn encoded(path: &std::path::Path) -> String {
    path.display().to_string().replace('/', "%2F")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sslmode_require_verify_ca_and_verify_full_work_and_refuse_what_they_should() {
    let Some(cluster) = ThrowawayCluster::start(ClusterKind::TlsOnly) else {
        return;
    };
    let root = encoded(&cluster.ca_file());
    let other_root = encoded(&cluster.other_ca_file());

    // Plain (no sslmode, as before) is refused by a hostssl-only server.
    let plain = connect(&cluster.url("localhost", ""))
        .await
        .expect_err("plain is refused");
    assert!(plain.contains("no pg_hba.conf entry"), "{plain}");
    assert!(plain.contains("no encryption"), "{plain}");
    eprintln!("plain: {plain}");

    // require: encrypted, the certificate not checked; migrations run over it too.
    let db = connect(&cluster.url("localhost", "sslmode=require"))
        .await
        .expect("require connects");
    let applied = db.migrate().await.expect("migrations run over TLS");
    assert!(!applied.is_empty());
    db.ping().await.expect("queries run over TLS");

    // verify-full with the right root and the name in the certificate.
    let db = connect(&cluster.url("localhost", &format!("sslmode=verify-full&sslrootcert={root}")))
        .await
        .expect("verify-full connects");
    db.ping().await.expect("queries run over TLS");

    // verify-ca does not check the name: 127.0.0.1 is not in the certificate.
    connect(&cluster.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={root}")))
        .await
        .expect("verify-ca connects by address");

    // verify-full refuses a host the certificate does not name.
    let wrong_name = connect(&cluster.url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={root}")))
        .await
        .expect_err("wrong host name refused");
    assert!(
        wrong_name.contains("TLS") && wrong_name.contains("not valid for name"),
        "{wrong_name}"
    );
    eprintln!("verify-full, wrong name: {wrong_name}");

    // verify-full without the root (the bundled public roots) or with another CA.
    for params in [
        "sslmode=verify-full".to_owned(),
        format!("sslmode=verify-full&sslrootcert={other_root}"),
        format!("sslmode=verify-ca&sslrootcert={other_root}"),
    ] {
        let unknown = connect(&cluster.url("localhost", &params))
            .await
            .expect_err("unknown issuer refused");
        assert!(
            unknown.contains("TLS") && unknown.contains("UnknownIssuer"),
            "{params}: {unknown}"
        );
        eprintln!("{params}: {unknown}");
    }

    // require with a root named checks the chain, as libpq does.
    let checked = connect(&cluster.url("localhost", &format!("sslmode=require&sslrootcert={other_root}")))
        .await
        .expect_err("require with a wrong root refused");
    assert!(checked.contains("UnknownIssuer"), "{checked}");
}
