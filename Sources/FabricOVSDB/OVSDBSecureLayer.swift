// SPDX-License-Identifier: Apache-2.0

/// A secure layer over the client's connected socket, for an `ssl:` endpoint: FabricTLS makes one. The
/// protocol keeps OpenSSL out of this module, so the hooks, which only reach the local unix socket, never load it.
public protocol OVSDBSecureLayer: AnyObject {
    /// Completes the handshake within `timeout`, or throws why not (one sentence).
    func handshake(timeout: Duration) throws(OVSDBSecureLayerError)
    func write(_ bytes: UnsafeRawBufferPointer) -> OVSDBSecureTransfer
    func read(into buffer: UnsafeMutableRawBufferPointer) -> OVSDBSecureTransfer
}

/// Makes the secure layer of a client's connected, non-blocking socket.
public typealias OVSDBSecureLayerFactory = @Sendable (_ descriptor: Int32) throws(OVSDBSecureLayerError) -> any OVSDBSecureLayer

public struct OVSDBSecureLayerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What one read or write did; TLS may first need the other direction, so the wants name what to wait for.
public enum OVSDBSecureTransfer: Sendable, Equatable {
    case done(Int)
    case wantRead
    case wantWrite
    case closed
    case failed(String)
}
