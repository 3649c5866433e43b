// SPDX-License-Identifier: Apache-2.0
import FabricOVSDB
import FabricTestSupport
import FabricTLS
import Foundation
import Testing

/// The TLS client against a real TLS server, `openssl s_server` requiring a client certificate from its CA and
/// echoing each line reversed (`-rev`), as `ovsdb-server --remote=pssl:` requires one from its.
@Suite(.serialized, .enabled(if: ProcessRunner.which("openssl") != nil, "needs openssl (apt-get install openssl)"))
struct TLSClientSessionTests {
    /// `openssl s_server` on a free loopback port; stopped by pid.
    final class Server {
        let process: BackgroundProcess
        let port: UInt16

        init(ca: TestCertificateAuthority, serverCA: String? = nil) throws {
            let (key, certificate) = try ca.issue("server")
            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = UInt16.random(in: 20000...60000)
                let process = try BackgroundProcess("openssl", [
                    "s_server", "-quiet", "-rev", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key,
                    "-CAfile", serverCA ?? ca.certificate, "-Verify", "1", "-verify_return_error",
                ])
                // Listening once a connection is accepted.
                let deadline = Date().addingTimeInterval(5)
                while Date() < deadline {
                    if (try? TCP.connect(port: port)).map({ close($0); return true }) == true {
                        self.process = process
                        self.port = port
                        return
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                process.stop()
                lastError = AgentLessError("openssl s_server did not listen on \(port)")
            }
            throw lastError ?? AgentLessError("openssl s_server did not start")
        }

        deinit { process.stop() }
    }

    struct AgentLessError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    enum TCP {
        /// A connected, non-blocking TCP socket to 127.0.0.1:`port`.
        static func connect(port: UInt16) throws -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw AgentLessError("socket: \(errno)") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else { close(fd); throw AgentLessError("connect: \(errno)") }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            return fd
        }
    }

    func exchange(_ session: borrowing TLSClientSession, _ line: String, descriptor: Int32) throws -> String {
        let deadline = Date().addingTimeInterval(5)
        var bytes = Array(line.utf8)
        while !bytes.isEmpty {
            switch bytes.withUnsafeBytes({ session.write($0) }) {
            case .done(let count): bytes.removeFirst(count)
            case .wantRead, .wantWrite: Thread.sleep(forTimeInterval: 0.01)
            case .closed: throw AgentLessError("closed while writing")
            case .failed(let why): throw AgentLessError(why)
            }
            if Date() > deadline { throw AgentLessError("write timed out") }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.contains(UInt8(ascii: "\n")) {
            switch buffer.withUnsafeMutableBytes({ session.read(into: $0) }) {
            case .done(let count): received += buffer.prefix(count)
            case .wantRead, .wantWrite: Thread.sleep(forTimeInterval: 0.01)
            case .closed: throw AgentLessError("closed while reading")
            case .failed(let why): throw AgentLessError(why)
            }
            if Date() > deadline { throw AgentLessError("read timed out") }
        }
        return String(decoding: received, as: UTF8.self)
    }

    @Test func aSessionWithTheCAsCertificatesTalksToTheServer() throws {
        let ca = try TestCertificateAuthority()
        let server = try Server(ca: ca)
        let (key, certificate) = try ca.issue("chassis")
        let fd = try TCP.connect(port: server.port)
        defer { close(fd) }
        let session = try TLSClientSession(
            descriptor: fd, credentials: TLSFiles(privateKey: key, certificate: certificate, caCertificate: ca.certificate))
        try session.handshake(deadline: .now + .seconds(5))
        #expect(try exchange(session, "southbound\n", descriptor: fd) == "dnuobhtuos\n")
    }

    @Test func aServerOfAnotherCAIsRefusedWithTheReason() throws {
        let ca = try TestCertificateAuthority(name: "fabric-test-ca")
        let other = try TestCertificateAuthority(name: "someone-else")
        let server = try Server(ca: other, serverCA: ca.certificate)
        let (key, certificate) = try ca.issue("chassis")
        let fd = try TCP.connect(port: server.port)
        defer { close(fd) }
        let session = try TLSClientSession(
            descriptor: fd, credentials: TLSFiles(privateKey: key, certificate: certificate, caCertificate: ca.certificate))
        let error = try #require(throws: TLSError.self) { try session.handshake(deadline: .now + .seconds(5)) }
        #expect(error.description.hasPrefix("the server's certificate is not trusted: "), "\(error)")
    }

    @Test func missingOrMismatchedFilesAreNamed() throws {
        let ca = try TestCertificateAuthority()
        let (key, certificate) = try ca.issue("chassis")
        let (otherKey, _) = try ca.issue("other")
        let noKey = try #require(throws: TLSError.self) {
            try TLSClientSession(descriptor: -1, credentials: TLSFiles(
                privateKey: "/nonexistent/key.pem", certificate: certificate, caCertificate: ca.certificate))
        }
        #expect(noKey.description.hasPrefix("cannot load the private key /nonexistent/key.pem"), "\(noKey)")
        let mismatched = try #require(throws: TLSError.self) {
            try TLSClientSession(descriptor: -1, credentials: TLSFiles(
                privateKey: otherKey, certificate: certificate, caCertificate: ca.certificate))
        }
        #expect(mismatched.description.hasPrefix("cannot load the private key \(otherKey) for that certificate"))
        let noCA = try #require(throws: TLSError.self) {
            try TLSClientSession(descriptor: -1, credentials: TLSFiles(
                privateKey: key, certificate: certificate, caCertificate: "/nonexistent/ca.pem"))
        }
        #expect(noCA.description.hasPrefix("cannot load the CA certificate /nonexistent/ca.pem"))
    }
}
