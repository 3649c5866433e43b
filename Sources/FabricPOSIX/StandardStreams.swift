// SPDX-License-Identifier: Apache-2.0
internal import Glibc

/// The one writer of diagnostics to stderr, unbuffered: a hook's single line must be out before it exits.
package enum StandardError {
    /// Writes `text` as it is (a line ends with the caller's own newline).
    package static func write(_ text: String) { writeAll(STDERR_FILENO, text) }

    /// Writes `message` flattened to one line, with a newline.
    package static func writeLine(_ message: String) {
        write(message.split(whereSeparator: \.isNewline).joined(separator: " ") + "\n")
    }
}

/// stdout, unbuffered: `show` prints a whole table in one write.
package enum StandardOutput {
    package static func write(_ text: String) { writeAll(STDOUT_FILENO, text) }
}

private func writeAll(_ descriptor: Int32, _ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }  // a closed stream: nowhere left to report it
            offset += written
        }
    }
}
