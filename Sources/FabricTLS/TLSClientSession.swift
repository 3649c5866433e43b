// SPDX-License-Identifier: Apache-2.0
internal import COpenSSL
public import FabricOVSDB
internal import FabricPOSIX

/// Why a TLS session could not be set up or used, in one sentence.
public struct TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    /// `what`, without OpenSSL's detail: for failures before OpenSSL is loaded.
    init(plain what: String) { description = what }

    init(_ what: String) {
        // OpenSSL's queue holds the detail (`certificate verify failed`, `no such file`); keep its last entry.
        var detail: String?
        while case let code = fabric_ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            fabric_ERR_error_string_n(code, &buffer, buffer.count)
            detail = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        description = detail.map { "\(what): \($0)" } ?? what
    }
}

/// What one read or write on a session did. TLS may need the other direction first (a renegotiation, a
/// handshake message), which is why `wantRead`/`wantWrite` name what to wait for, not the call's direction.
public enum TLSTransfer: Sendable, Equatable {
    case done(Int)
    case wantRead
    case wantWrite
    case closed
    case failed(String)
}

/// A TLS 1.2+ client session over a connected, non-blocking socket it does not own; the peer's certificate must
/// chain to the CA of the ``TLSFiles``, as Open vSwitch checks it (by the CA, not by host name: OVS remotes are
/// addresses, and its certificates are made by `ovs-pki` without names to match).
public struct TLSClientSession: ~Copyable {
    // OpenSSL objects, freed in deinit; never visible outside this type.
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let descriptor: Int32

    /// Loads the credentials and binds a session to `descriptor` (connected, non-blocking).
    public init(descriptor: Int32, credentials: TLSFiles) throws(TLSError) {
        try Self.loadOpenSSL()
        guard let context = fabric_SSL_CTX_new(fabric_TLS_client_method()) else {
            throw TLSError("cannot create a TLS context")
        }
        guard fabric_ssl_ctx_set_min_tls12(context) == 1 else {
            fabric_SSL_CTX_free(context)
            throw TLSError("cannot require TLS 1.2")
        }
        if fabric_SSL_CTX_use_certificate_chain_file(context, credentials.certificate) != 1 {
            fabric_SSL_CTX_free(context)
            throw TLSError("cannot load the certificate \(credentials.certificate)")
        }
        if fabric_SSL_CTX_use_PrivateKey_file(context, credentials.privateKey, SSL_FILETYPE_PEM) != 1
            || fabric_SSL_CTX_check_private_key(context) != 1
        {
            fabric_SSL_CTX_free(context)
            throw TLSError("cannot load the private key \(credentials.privateKey) for that certificate")
        }
        if fabric_SSL_CTX_load_verify_locations(context, credentials.caCertificate, nil) != 1 {
            fabric_SSL_CTX_free(context)
            throw TLSError("cannot load the CA certificate \(credentials.caCertificate)")
        }
        fabric_SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        guard let ssl = fabric_SSL_new(context) else {
            fabric_SSL_CTX_free(context)
            throw TLSError("cannot create a TLS session")
        }
        guard fabric_SSL_set_fd(ssl, descriptor) == 1 else {
            fabric_SSL_free(ssl)
            fabric_SSL_CTX_free(context)
            throw TLSError("cannot bind the TLS session to the socket")
        }
        fabric_SSL_set_connect_state(ssl)
        self.context = context
        self.ssl = ssl
        self.descriptor = descriptor
    }

    /// Loads OpenSSL on the first session of the process (COpenSSL says why it is not linked).
    private static func loadOpenSSL() throws(TLSError) {
        var why = [CChar](repeating: 0, count: 320)
        guard fabric_openssl_load(&why, why.count) == 1 else {
            throw TLSError(plain: String(decoding: why.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    deinit {
        fabric_SSL_free(ssl)
        fabric_SSL_CTX_free(context)
    }

    /// Runs the handshake until it completes, fails, or `deadline` passes (polling the socket meanwhile).
    public func handshake(deadline: ContinuousClock.Instant) throws(TLSError) {
        while true {
            fabric_ERR_clear_error()
            let result = fabric_SSL_do_handshake(ssl)
            if result == 1 { return }
            let wanted: PollEvents
            switch fabric_SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ: wanted = .readable
            case SSL_ERROR_WANT_WRITE: wanted = .writable
            case SSL_ERROR_SYSCALL, SSL_ERROR_ZERO_RETURN:
                throw TLSError("the server closed the connection during the TLS handshake")
            default:
                let verify = fabric_SSL_get_verify_result(ssl)
                if verify != X509_V_OK {
                    let reason = fabric_X509_verify_cert_error_string(Int(verify)).map { String(cString: $0) } ?? "code \(verify)"
                    fabric_ERR_clear_error()
                    throw TLSError("the server's certificate is not trusted: \(reason)")
                }
                throw TLSError("the TLS handshake failed")
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero, let ready = try? FileDescriptor.poll(descriptor, for: wanted, timeout: remaining),
                !ready.isEmpty
            else { throw TLSError("the TLS handshake did not finish in time") }
        }
    }

    /// Writes some of `bytes` (at least one on `.done`).
    public func write(_ bytes: UnsafeRawBufferPointer) -> TLSTransfer {
        guard !bytes.isEmpty else { return .done(0) }
        fabric_ERR_clear_error()
        let result = fabric_SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        return result > 0 ? .done(Int(result)) : transfer(after: result)
    }

    /// Reads what is there into `buffer` (at least one byte on `.done`).
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TLSTransfer {
        fabric_ERR_clear_error()
        let result = fabric_SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        return result > 0 ? .done(Int(result)) : transfer(after: result)
    }

    /// Whether OpenSSL holds decrypted bytes not read yet (the socket may then have nothing to poll for).
    public var hasBufferedBytes: Bool { fabric_SSL_pending(ssl) > 0 }

    private func transfer(after result: Int32) -> TLSTransfer {
        switch fabric_SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL: return fabric_ERR_peek_error() == 0 ? .closed : .failed(TLSError("TLS").description)
        default: return .failed(TLSError("TLS").description)
        }
    }
}
