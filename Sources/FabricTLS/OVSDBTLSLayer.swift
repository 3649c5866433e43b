// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// The OVSDB client's secure layer for `ssl:` endpoints: a ``TLSClientSession`` with the given files.
public final class OVSDBTLSLayer: OVSDBSecureLayer {
    private let session: TLSClientSession

    public init(descriptor: Int32, credentials: TLSFiles) throws(OVSDBSecureLayerError) {
        do {
            session = try TLSClientSession(descriptor: descriptor, credentials: credentials)
        } catch {
            throw OVSDBSecureLayerError(error.description)
        }
    }

    /// The factory an ``OVSDBClient`` takes for `credentials`.
    public static func factory(_ credentials: TLSFiles) -> OVSDBSecureLayerFactory {
        { (descriptor: Int32) throws(OVSDBSecureLayerError) -> any OVSDBSecureLayer in
            try OVSDBTLSLayer(descriptor: descriptor, credentials: credentials)
        }
    }

    public func handshake(timeout: Duration) throws(OVSDBSecureLayerError) {
        do {
            try session.handshake(deadline: .now.advanced(by: timeout))
        } catch {
            throw OVSDBSecureLayerError(error.description)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> OVSDBSecureTransfer { Self.transfer(session.write(bytes)) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> OVSDBSecureTransfer {
        Self.transfer(session.read(into: buffer))
    }

    private static func transfer(_ transfer: TLSTransfer) -> OVSDBSecureTransfer {
        switch transfer {
        case .done(let count): .done(count)
        case .wantRead: .wantRead
        case .wantWrite: .wantWrite
        case .closed: .closed
        case .failed(let why): .failed(why)
        }
    }
}
