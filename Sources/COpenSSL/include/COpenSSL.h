// SPDX-License-Identifier: Apache-2.0
// OpenSSL for FabricTLS (an `ssl:` OVSDB: ovn-controller's southbound database), loaded with dlopen on first use
// rather than linked: mapping and relocating libssl and libcrypto cost about 1.1 ms of every start of a program
// that links them, and `fabric-agent show` reads an `ssl:` database only when one is configured. The types and
// constants come from OpenSSL's headers (Debian's libssl-dev, EL's openssl-devel); every call goes through
// `fabric_<name>`, a pointer that `fabric_openssl_load` resolves. Calling a real `SSL_*` name fails to link.
#ifndef FABRIC_COPENSSL_H
#define FABRIC_COPENSSL_H

#include <stddef.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

// Every OpenSSL function FabricTLS calls: CALL(return type, name, parameters, arguments); VOID_CALL without the
// return type. OpenSSLLoader.c checks each against OpenSSL's own prototype at compile time.
#define FABRIC_OPENSSL_CALLS(CALL, VOID_CALL)                                                                    \
    CALL(const SSL_METHOD *, TLS_client_method, (void), ())                                                      \
    CALL(SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *method), (method))                                           \
    VOID_CALL(SSL_CTX_free, (SSL_CTX *context), (context))                                                       \
    CALL(long, SSL_CTX_ctrl, (SSL_CTX *context, int command, long number, void *pointer),                        \
         (context, command, number, pointer))                                                                    \
    CALL(int, SSL_CTX_use_certificate_chain_file, (SSL_CTX *context, const char *file), (context, file))         \
    CALL(int, SSL_CTX_use_PrivateKey_file, (SSL_CTX *context, const char *file, int type), (context, file, type)) \
    CALL(int, SSL_CTX_check_private_key, (const SSL_CTX *context), (context))                                    \
    CALL(int, SSL_CTX_load_verify_locations, (SSL_CTX *context, const char *file, const char *directory),        \
         (context, file, directory))                                                                             \
    VOID_CALL(SSL_CTX_set_verify, (SSL_CTX *context, int mode, SSL_verify_cb callback), (context, mode, callback)) \
    CALL(SSL *, SSL_new, (SSL_CTX *context), (context))                                                          \
    VOID_CALL(SSL_free, (SSL *ssl), (ssl))                                                                       \
    CALL(int, SSL_set_fd, (SSL *ssl, int descriptor), (ssl, descriptor))                                         \
    VOID_CALL(SSL_set_connect_state, (SSL *ssl), (ssl))                                                          \
    CALL(int, SSL_do_handshake, (SSL *ssl), (ssl))                                                               \
    CALL(int, SSL_get_error, (const SSL *ssl, int result), (ssl, result))                                        \
    CALL(long, SSL_get_verify_result, (const SSL *ssl), (ssl))                                                   \
    CALL(int, SSL_write, (SSL *ssl, const void *bytes, int count), (ssl, bytes, count))                          \
    CALL(int, SSL_read, (SSL *ssl, void *bytes, int count), (ssl, bytes, count))                                 \
    CALL(int, SSL_pending, (const SSL *ssl), (ssl))                                                              \
    CALL(const char *, X509_verify_cert_error_string, (long code), (code))                                       \
    CALL(unsigned long, ERR_get_error, (void), ())                                                               \
    CALL(unsigned long, ERR_peek_error, (void), ())                                                              \
    VOID_CALL(ERR_clear_error, (void), ())                                                                       \
    VOID_CALL(ERR_error_string_n, (unsigned long code, char *text, size_t capacity), (code, text, capacity))

#define FABRIC_OPENSSL_POINTER(type, name, parameters, arguments) extern type(*fabric_openssl_##name) parameters;
#define FABRIC_OPENSSL_VOID_POINTER(name, parameters, arguments) extern void(*fabric_openssl_##name) parameters;
FABRIC_OPENSSL_CALLS(FABRIC_OPENSSL_POINTER, FABRIC_OPENSSL_VOID_POINTER)

#define FABRIC_OPENSSL_CALL(type, name, parameters, arguments)                                                   \
    static inline type fabric_##name parameters { return fabric_openssl_##name arguments; }
#define FABRIC_OPENSSL_VOID_CALL(name, parameters, arguments)                                                    \
    static inline void fabric_##name parameters { fabric_openssl_##name arguments; }
FABRIC_OPENSSL_CALLS(FABRIC_OPENSSL_CALL, FABRIC_OPENSSL_VOID_CALL)

/// Loads libssl (and with it libcrypto) once per process and resolves every call above. Returns 1, or 0 with a
/// sentence in `why` (the library or symbol that is missing); later calls return the first result. Thread-safe.
int fabric_openssl_load(char *why, size_t capacity);

// Function-like macros of OpenSSL, which Swift cannot import.
static inline int fabric_ssl_ctx_set_min_tls12(SSL_CTX *context) {
    return (int)fabric_SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
}

#endif
