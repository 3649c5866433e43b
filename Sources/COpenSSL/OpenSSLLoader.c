// SPDX-License-Identifier: Apache-2.0
#include "COpenSSL.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <openssl/opensslv.h>

// The soname of the libssl whose headers this was built with: libssl.so.3 (Debian 12, EL 9), libssl.so.1.1 (EL 8).
#define FABRIC_TEXT(value) #value
#define FABRIC_EXPAND(value) FABRIC_TEXT(value)
#if defined(OPENSSL_SHLIB_VERSION)
#define FABRIC_LIBSSL "libssl.so." FABRIC_EXPAND(OPENSSL_SHLIB_VERSION)
#else
#define FABRIC_LIBSSL "libssl.so." SHLIB_VERSION_NUMBER
#endif

#define FABRIC_DEFINE_POINTER(type, name, parameters, arguments) type(*fabric_openssl_##name) parameters;
#define FABRIC_DEFINE_VOID_POINTER(name, parameters, arguments) void(*fabric_openssl_##name) parameters;
FABRIC_OPENSSL_CALLS(FABRIC_DEFINE_POINTER, FABRIC_DEFINE_VOID_POINTER)

// A prototype in the list that differs from OpenSSL's would call through the wrong signature: refuse to build.
#define FABRIC_CHECK(type, name, parameters, arguments)                                                          \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), type(*) parameters), #name " differs from OpenSSL");
#define FABRIC_CHECK_VOID(name, parameters, arguments) FABRIC_CHECK(void, name, parameters, arguments)
FABRIC_OPENSSL_CALLS(FABRIC_CHECK, FABRIC_CHECK_VOID)

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char failure[256];

static void load(void) {
    void *library = dlopen(FABRIC_LIBSSL, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *detail = dlerror();
        snprintf(failure, sizeof failure, "cannot load OpenSSL (%s): %s", FABRIC_LIBSSL, detail ? detail : "unknown");
        return;
    }
    // dlsym on libssl's handle also finds libcrypto's functions (ERR_*, X509_*): it searches the dependencies.
#define FABRIC_RESOLVE(type, name, parameters, arguments)                                                        \
    if ((*(void **)&fabric_openssl_##name = dlsym(library, #name)) == NULL) {                                    \
        snprintf(failure, sizeof failure, "cannot load OpenSSL (%s): it has no %s", FABRIC_LIBSSL, #name);       \
        return;                                                                                                  \
    }
#define FABRIC_RESOLVE_VOID(name, parameters, arguments) FABRIC_RESOLVE(void, name, parameters, arguments)
    FABRIC_OPENSSL_CALLS(FABRIC_RESOLVE, FABRIC_RESOLVE_VOID)
    loaded = 1;
}

int fabric_openssl_load(char *why, size_t capacity) {
    pthread_once(&load_once, load);
    if (!loaded && why != NULL && capacity > 0) snprintf(why, capacity, "%s", failure);
    return loaded;
}
