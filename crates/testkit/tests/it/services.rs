//! Domain services over a real (in-memory) store: login checks and client authentication.

use bb_domain::DomainError;
use bb_domain::apps::{AppRegistration, ClientSecret, DataAccessType, Environment};
use bb_testkit::spawn_app;

fn registration(name: &str) -> AppRegistration {
    AppRegistration {
        owner_email: "dev@example.org".into(),
        name: name.into(),
        redirect_uris: vec!["https://app.example.org/cb".into()],
        data_access_type: DataAccessType::ThirteenMonth,
        require_demographics: true,
        environment: Environment::Sandbox,
        links: Default::default(),
    }
}

#[tokio::test]
async fn developer_login_is_checked_against_the_argon2_hash() {
    let app = spawn_app().await;
    let accounts = &app.services.accounts;
    let created = accounts
        .create_verified_developer("Dev@Example.org", "Acme", "correct horse battery")
        .await
        .unwrap();
    assert_eq!(
        accounts
            .verify_login("dev@example.org", "correct horse battery")
            .await
            .unwrap(),
        Some(created.id)
    );
    assert!(
        accounts
            .verify_login("DEV@example.org ", "correct horse battery")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        accounts
            .verify_login("dev@example.org", "correct horse batterY")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        accounts
            .verify_login("nobody@example.org", "correct horse battery")
            .await
            .unwrap(),
        None
    );
    let again = accounts
        .create_verified_developer("dev@example.org", "Acme", "another long password")
        .await;
    assert!(
        matches!(again, Err(DomainError::Conflict { .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn client_credentials_authenticate_only_with_the_right_secret() {
    let app = spawn_app().await;
    app.services
        .accounts
        .create_verified_developer("dev@example.org", "Acme", "correct horse battery")
        .await
        .unwrap();
    let created = app
        .services
        .apps
        .create(&registration("First"))
        .await
        .unwrap();
    let apps = &app.services.apps;
    assert!(
        apps.authenticate(created.client_id.as_str(), &created.client_secret)
            .await
            .unwrap()
    );
    let mut wrong = created.client_secret.reveal().to_owned();
    wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
    assert!(
        !apps
            .authenticate(created.client_id.as_str(), &ClientSecret::presented(&wrong))
            .await
            .unwrap()
    );
    assert!(
        !apps
            .authenticate(&"Z".repeat(40), &created.client_secret)
            .await
            .unwrap()
    );
    assert!(
        !apps
            .authenticate("short", &created.client_secret)
            .await
            .unwrap()
    );
    let duplicate = apps.create(&registration("FIRST")).await;
    assert!(
        matches!(
            duplicate,
            Err(DomainError::Conflict {
                what: "an application with this name"
            })
        ),
        "{duplicate:?}"
    );
}

#[tokio::test]
async fn seeded_randomness_makes_credentials_reproducible() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let app = spawn_app().await;
        app.services
            .accounts
            .create_verified_developer("dev@example.org", "Acme", "correct horse battery")
            .await
            .unwrap();
        ids.push(
            app.services
                .apps
                .create(&registration("Repeatable"))
                .await
                .unwrap()
                .client_id,
        );
    }
    assert_eq!(ids[0], ids[1]);
}
