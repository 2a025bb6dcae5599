//! Clients in: the socket's listener, who may connect, and the connection each gets.

use std::sync::Arc;

use crate::config::limits::SocketLimits;
use crate::manager::Manager;
use crate::server::{Hub, connection, socket};
use crate::socket_stream::SocketStream;

/// The client's end of a socket pair served over `manager` in this process: the TUI's tests
/// drive the real protocol without a server process (`client::handshake` it).
pub fn serve_in_process(manager: Manager) -> SocketStream {
    let frame_cap = crate::config::Config::default().ui.frame_cap;
    let hub = Arc::new(Hub::new(
        manager,
        None,
        SocketLimits::default(),
        frame_cap,
        None,
    ));
    let (server_end, client_end) = SocketStream::pair().expect("a socket pair can be made");
    let (reader, writer) = server_end.into_split();
    tokio::spawn(connection::serve(hub, reader, writer));
    client_end
}

pub(super) async fn accept(listener: tokio::net::UnixListener, hub: Arc<Hub>) {
    let places = Arc::new(tokio::sync::Semaphore::new(hub.limits.clients));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "accepting a client failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        if !socket::peer_is_us(&stream) {
            tracing::warn!("refused a client of another user");
            tokio::spawn(refuse(stream, "this server belongs to another user"));
            continue;
        }
        let Ok(place) = places.clone().try_acquire_owned() else {
            tracing::warn!(
                max = hub.limits.clients,
                "refused a client: too many connected"
            );
            tokio::spawn(refuse(
                stream,
                "too many clients are connected to this server",
            ));
            continue;
        };
        let (reader, writer) = match SocketStream::from_tokio(stream) {
            Ok(stream) => stream.into_split(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch a client's socket");
                continue;
            }
        };
        // Buffered (a bounded 16 KiB): a request's length and body come in one read.
        let reader = tokio::io::BufReader::with_capacity(16 * 1024, reader);
        let hub = hub.clone();
        tokio::spawn(async move {
            connection::serve(hub, reader, writer).await;
            drop(place);
        });
    }
}

/// Tells a client why it may not connect, then hangs up; a client that does not read is not
/// waited for.
async fn refuse(stream: tokio::net::UnixStream, reason: &str) {
    let (_, mut writer) = stream.into_split();
    let refused = crate::protocol::ServerMessage::Refused {
        reason: reason.to_string(),
    };
    let write = crate::protocol::write(&mut writer, &refused);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), write).await;
}
