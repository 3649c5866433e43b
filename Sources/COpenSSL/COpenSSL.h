// SPDX-License-Identifier: Apache-2.0
// OpenSSL (pkg-config openssl, Debian's libssl-dev) for the TLS connections of FabricTLS: ovn-controller's
// southbound database at an `ssl:` ovn-remote. Only FabricTLS imports it, so the hooks never load libssl.
#ifndef FABRIC_COPENSSL_H
#define FABRIC_COPENSSL_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>

// Function-like macros Swift cannot import.
static inline int fabric_ssl_ctx_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

static inline int fabric_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

#endif
