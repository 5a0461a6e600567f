//! `bluebutton admin …`: operator commands that create accounts, applications and sandbox
//! logins. Passwords come only from standard input (`--password-stdin`), never from flags
//! (which show up in process lists and shell history). Output is JSON on stdout; the client
//! secret printed by `create-app` is the only copy in clear.

use crate::args::AdminCommand;
use crate::commands::print_json;
use crate::config::Config;
use crate::error::CliError;
use crate::open;
use bb_domain::apps::{AppRegistration, ConsentLinks, DataAccessType, Environment};
use bb_proto::AppCredentials;
use std::io::BufRead;

/// Runs one admin command.
pub async fn run(config: &Config, command: AdminCommand) -> Result<(), CliError> {
    // Parse every argument before touching the store, so bad input writes nothing.
    let app_choice = match &command {
        AdminCommand::CreateApp(a) => Some((
            DataAccessType::parse(&a.data_access_type)?,
            Environment::parse(&a.environment)?,
        )),
        _ => None,
    };
    let password = match &command {
        AdminCommand::CreateDeveloper(_)
        | AdminCommand::CreateStaff(_)
        | AdminCommand::AddLogin(_) => Some(read_password()?),
        AdminCommand::CreateApp(_) | AdminCommand::SuspendApp(_) | AdminCommand::ActivateApp(_) => {
            None
        }
    };
    let url = open::database_url(config)?;
    let (store, _) = open::store(config, &url).await?;
    let services = open::services(store.clone());
    let password = password.unwrap_or_default();
    let result = match command {
        AdminCommand::CreateDeveloper(a) => services
            .accounts
            .create_verified_developer(&a.email, &a.organization, &password)
            .await
            .map_err(CliError::from)
            .and_then(|created| print_json(&created)),
        AdminCommand::CreateStaff(a) => services
            .accounts
            .create_staff(&a.email, &a.role, &password)
            .await
            .map_err(CliError::from)
            .and_then(|created| print_json(&created)),
        AdminCommand::CreateApp(a) => {
            let (data_access_type, environment) =
                app_choice.unwrap_or((DataAccessType::ThirteenMonth, Environment::Sandbox));
            let registration = AppRegistration {
                owner_email: a.owner,
                name: a.name,
                redirect_uris: a.redirect_uris,
                data_access_type,
                require_demographics: !a.no_demographics,
                environment,
                links: ConsentLinks {
                    logo_uri: a.logo_uri,
                    website_uri: a.website_uri,
                    policy_uri: a.policy_uri,
                    tos_uri: a.tos_uri,
                },
            };
            services
                .apps
                .create(&registration)
                .await
                .map_err(CliError::from)
                .and_then(|created| {
                    print_json(&AppCredentials {
                        client_id: created.client_id.as_str().to_owned(),
                        client_secret: created.client_secret.reveal().to_owned(),
                    })
                })
        }
        AdminCommand::AddLogin(a) => services
            .logins
            .add(&a.bene_id, &a.username, &password)
            .await
            .map_err(CliError::from)
            .and_then(|created| print_json(&created)),
        AdminCommand::SuspendApp(a) => switch(&services, &a.client_id, false).await,
        AdminCommand::ActivateApp(a) => switch(&services, &a.client_id, true).await,
    };
    store.close().await;
    result
}

async fn switch(
    services: &bb_domain::Services,
    client_id: &str,
    active: bool,
) -> Result<(), CliError> {
    services.apps.set_active(client_id, active).await?;
    print_json(&serde_json::json!({ "client_id": client_id, "active": active }))
}

/// The first line of standard input, without its line ending.
fn read_password() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Failed(format!("cannot read the password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err(CliError::Usage(
            "--password-stdin: no password on standard input; pipe it in, e.g. `printf '%s\\n' \"$PW\" | bluebutton admin …`".into(),
        ));
    }
    Ok(password)
}
