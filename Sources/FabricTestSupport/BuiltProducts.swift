// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The package's executables as `swift build` left them next to the test bundle, so tests run the
/// real binaries the way VDSM and admins run them.
public enum BuiltProducts {
    /// The folder holding the products of the current build configuration.
    public static var directory: String? {
        var candidates: [String] = []
        if let executable = Bundle.main.executablePath {
            candidates.append((executable as NSString).deletingLastPathComponent)
        }
        candidates.append(((CommandLine.arguments.first ?? "") as NSString).deletingLastPathComponent)
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug")
        for candidate in candidates where !candidate.isEmpty {
            // The xctest bundle may be a folder inside the products folder.
            for folder in [candidate, (candidate as NSString).deletingLastPathComponent] {
                if FileManager.default.isExecutableFile(atPath: folder + "/fabric-agent") { return folder }
            }
        }
        return nil
    }

    /// The path of the executable product `name`, or `nil` when it has not been built.
    public static func path(_ name: String) -> String? {
        guard let directory else { return nil }
        let path = directory + "/" + name
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}
