// SPDX-License-Identifier: Apache-2.0
import FabricAgentService
import FabricAgentSettings
import FabricTestSupport
import Foundation
import Testing

/// The one table of settings: every key it names is a real setting of `serve` (and of `show` where it says
/// so), its flags parse the same way everywhere, and docs/agent.md shows exactly this table.
@Suite struct AgentSettingsTests {
    /// A value no key accepts as it is: each key must answer with its own reason, never "unknown key".
    @Test func everyKeyOfTheTableIsASettingOfServeAndShow() {
        for setting in AgentSettings.all {
            do {
                _ = try AgentConfiguration.resolve(
                    flags: [setting.key: "\u{1}not a value"], environment: [:], configPath: "/dev/null")
            } catch {
                #expect(error.key == setting.key && error.reason != "unknown key", "\(setting.key): \(error)")
            }
            if setting.isTaken(by: .show) {
                var inventory = InventorySettings()
                do {
                    try inventory.set(setting.key, "\u{1}x", source: "test")  // a namespace name may be anything
                } catch {
                    #expect(error.reason != "unknown key", "\(setting.key)")
                }
            }
        }
        #expect(Set(AgentSettings.keys(for: .show)).isSubset(of: AgentSettings.keys(for: .serve)))
        #expect(Set(AgentSettings.all.map(\.environmentVariable)).count == AgentSettings.all.count)
    }

    @Test func flagsParseAsTheTableSays() throws {
        #expect(try AgentSettings.flagValues(["--root", "/srv", "--netns=ns1"], for: .show) == ["root": "/srv", "netns": "ns1"])
        #expect(try AgentSettings.flagValues(["--listen=", "--engine-url", ""], for: .serve) == ["listen": "", "engine-url": ""])
        let cases: [([String], AgentSetting.Command, String)] = [
            (["--listen", "unix:/x"], .show, "unknown option"),
            (["--root"], .show, "needs a value"),
            (["--root", "/a", "--root=/b"], .show, "given twice"),
            (["root", "/a"], .show, "unexpected argument"),
            (["--"], .serve, "unexpected argument"),
        ]
        for (arguments, command, reason) in cases {
            let error = #expect(throws: SettingError.self) { try AgentSettings.flagValues(arguments, for: command) }
            #expect(error?.reason == reason, "\(arguments)")
        }
    }

    /// show and serve check a shared key by the same code: the same value fails the same way.
    @Test func showAndServeRefuseAValueAlike() throws {
        var inventory = InventorySettings()
        let shown = #expect(throws: SettingError.self) { try inventory.set("ovsdb", "unix:/" + String(repeating: "x", count: 120), source: "--ovsdb") }
        let served = #expect(throws: SettingError.self) {
            _ = try AgentConfiguration.resolve(
                flags: ["ovsdb": "unix:/" + String(repeating: "x", count: 120)], environment: [:], configPath: "/dev/null")
        }
        #expect(shown != nil && shown == served)
    }

    /// `--help` lists each setting of the command as two lines, flag and placeholder, then the meaning and the
    /// default without the documentation's backticks.
    @Test func helpListsTheCommandsSettingsWithoutBackticks() throws {
        for command in [AgentSetting.Command.show, .serve] {
            let lines = AgentSettings.help(for: command).split(separator: "\n", omittingEmptySubsequences: false)
            let settings = AgentSettings.all.filter { $0.isTaken(by: command) }
            #expect(lines.count == 2 * settings.count)
            for (index, setting) in settings.enumerated() {
                #expect(lines[2 * index] == "  --\(setting.key) \(setting.valueName)")
                let meaning = setting.meaning.replacingOccurrences(of: "`", with: "")
                let defaultText = setting.defaultText.replacingOccurrences(of: "`", with: "")
                #expect(lines[2 * index + 1] == "        \(meaning) (default: \(defaultText))")
            }
        }
        let ovsdb = try #require(AgentSettings.all.first { $0.key == "ovsdb" })
        #expect(ovsdb.defaultText.contains("`"), "the table's defaults have backticks for the docs")
        #expect(!AgentSettings.help(for: .show).contains("`"))
    }

    @Test func theDocumentationShowsTheTable() throws {
        let documentation = try String(
            contentsOf: VMTestHost.repositoryRoot.appendingPathComponent("docs/agent.md"), encoding: .utf8)
        let daemon = AgentSettings.keys(for: .serve).filter { !$0.hasPrefix("engine-") }
        let engine = AgentSettings.keys(for: .serve).filter { $0.hasPrefix("engine-") }
        for table in [AgentSettings.documentationTable(keys: daemon), AgentSettings.documentationTable(keys: engine)] {
            #expect(documentation.contains(table), "docs/agent.md must hold this table:\n\(table)")
        }
    }
}
