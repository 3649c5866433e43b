// SPDX-License-Identifier: Apache-2.0
import DomainXML
import Foundation
import Testing

/// What the parser takes in and gives back beyond well-formed UTF-8: other encodings come back as UTF-8, a NUL
/// byte and oversized input are refused, and libxml2 never writes to stderr.
@Suite(.serialized) struct InputBoundsTests {
    static let text = "<interface type=\"bridge\"><source bridge=\"Grüße\"/>日本語</interface>"

    @Test(arguments: ["UTF-16", "UTF-16LE", "UTF-16BE"])
    func wideEncodingsComeBackAsUTF8(encoding: String) throws {
        // iconv's UTF-16 writes a byte order mark; the LE/BE forms carry the declaration instead.
        let declared = encoding.hasSuffix("E") ? "<?xml version=\"1.0\" encoding=\"\(encoding)\"?>\n" + Self.text : Self.text
        let input = try Self.iconv(declared, to: encoding)
        let output = try DomainDocument(parsing: input).serialized()
        #expect(String(validating: output, as: UTF8.self) != nil)
        #expect(String(decoding: output, as: UTF8.self) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + Self.text + "\n")
    }

    @Test func byteEncodingsComeBackAsUTF8WithTheirVersionAndStandaloneKept() throws {
        let declaration = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" standalone='yes'?>\n"
        let input = Array(declaration.utf8) + Array("<a t=\"".utf8) + [0xE9] + Array("\"/>".utf8)
        let output = try DomainDocument(parsing: input).serializedString()
        #expect(output == "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<a t=\"é\"/>")
    }

    @Test(arguments: [
        Array("<interface type=\"bridge\"/>".utf8) + [0] + Array("garbage".utf8),
        Array("<a>".utf8) + [0] + Array("</a>".utf8),
        [0] + Array("<a/>".utf8),
    ])
    func aNulByteIsRefused(input: [UInt8]) throws {
        let error = try #require(throws: DomainXMLError.self) { _ = try DomainDocument(parsing: input) }
        #expect("\(error)".contains("NUL byte"))
    }

    @Test func sizeAndElementLimits() throws {
        let atLimit = "<d>" + String(repeating: "<a/>", count: DomainDocument.maximumElements - 1) + "</d>"
        #expect(try DomainDocument(parsing: atLimit).withRoot { $0.countChildren(named: "a") } == DomainDocument.maximumElements - 1)
        let over = "<d>" + String(repeating: "<a/>", count: DomainDocument.maximumElements) + "</d>"
        #expect(throws: DomainXMLError.tooLarge("has more than \(DomainDocument.maximumElements) elements")) {
            _ = try DomainDocument(parsing: over)
        }
        let huge = Array("<d>".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: DomainDocument.maximumBytes) + Array("</d>".utf8)
        #expect(throws: DomainXMLError.tooLarge("is larger than 10 MiB")) { _ = try DomainDocument(parsing: huge) }
    }

    /// Encoding errors are raised outside the parser's context; they end up in the error, not on stderr.
    @Test func libxml2DiagnosticsNeverReachStderr() throws {
        let inputs: [[UInt8]] = [
            Array("<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?>\n<a b=\"".utf8) + [0xFF, 0xFE, 0x80] + Array("\"/>".utf8),
            Array("<?xml version=\"1.0\" encoding=\"EBCDIC-US\"?>\n<a/>".utf8),
            Array("<?xml version=\"1.0\" encoding=\"NO-SUCH-ENCODING\"?>\n<a/>".utf8),
            Array("<a>".utf8) + [0xC3, 0x28] + Array("</a>".utf8),
        ]
        for input in inputs {
            let (stderr, error) = try Self.capturingStandardError { () -> (any Error)? in
                do {
                    _ = try DomainDocument(parsing: input)
                    return nil
                } catch {
                    return error
                }
            }
            #expect(error != nil)
            #expect(stderr.isEmpty, "libxml2 wrote: \(String(decoding: stderr, as: UTF8.self))")
        }
    }

    static func iconv(_ text: String, to encoding: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", encoding]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(bytes)
    }

    /// Runs `body` with file descriptor 2 pointing at a temporary file, and returns what was written there.
    static func capturingStandardError<T>(_ body: () throws -> T) throws -> ([UInt8], T) {
        let path = NSTemporaryDirectory() + "stderr-\(UUID().uuidString)"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0)
        defer { close(fd); unlink(path) }
        let saved = dup(STDERR_FILENO)
        dup2(fd, STDERR_FILENO)
        let result = Result { try body() }
        dup2(saved, STDERR_FILENO)
        close(saved)
        return (Array(try Data(contentsOf: URL(fileURLWithPath: path))), try result.get())
    }
}
