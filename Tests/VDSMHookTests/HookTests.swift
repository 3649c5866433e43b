// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import VDSMHook

@Suite struct HookTests {
    struct Odd: Error, CustomStringConvertible {
        var description: String { "first line\nsecond line" }
    }

    @Test func exitCodesAreVDSMs() {
        #expect(HookExitCode.success.rawValue == 0)
        #expect(HookExitCode.failedContinue.rawValue == 1)
        #expect(HookExitCode.failedStop.rawValue == 2)
        #expect(HookFailure("x").exitCode == .failedStop)
    }

    @Test func missingDomainXMLVariableStopsTheChain() {
        let result = Hook.execute(environment: HookEnvironment(["vmId": "v"])) { _, _ in .unchanged }
        #expect(result.exitCode == .failedStop)
        #expect(result.message?.contains("_hook_domxml") == true)
    }

    /// An after-hook never exits 2, whatever is wrong with its data file: the hooks after it must still run.
    @Test func afterHooksExitOneWithoutAUsableDataFile() throws {
        let scratch = try Scratch()
        let unreadable = try scratch.write("data", "<a/>", mode: 0o000)
        var cases: [[String: String]] = [[:], ["_hook_domxml": ""], ["_hook_domxml": scratch.path + "/missing"],
                                         ["_hook_domxml": scratch.path]]
        if !System.isRoot { cases.append(["_hook_domxml": unreadable]) }  // root reads it anyway
        for variables in cases {
            let result = Hook.execute(stage: .after, environment: HookEnvironment(variables)) { _, _ in
                throw HookFailure("stops", exitCode: .failedStop)
            }
            #expect(result.exitCode == .failedContinue, "\(variables)")
            #expect(result.message?.isEmpty == false)
        }
    }

    @Test func unchangedOutcomeDoesNotTouchTheFile() throws {
        let scratch = try Scratch()
        let file = try scratch.write("data", "<a/>")
        let inode = try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int
        for outcome in [HookOutcome.unchanged, .replaced(Array("<a/>".utf8))] {
            let result = Hook.execute(environment: HookEnvironment(["_hook_domxml": file])) { _, _ in outcome }
            #expect(result == Hook.Result(exitCode: .success, message: nil))
        }
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int == inode)
    }

    @Test func leftAloneSucceedsWithItsReasonAndDoesNotTouchTheFile() throws {
        let scratch = try Scratch()
        let file = try scratch.write("data", "<a/>")
        let inode = try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int
        let result = Hook.execute(environment: HookEnvironment(["_hook_domxml": file])) { _, _ in
            .leftAlone(reason: "not ours\nreally")
        }
        #expect(result == Hook.Result(exitCode: .success, message: "not ours really"))
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int == inode)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "<a/>")
    }

    @Test func transformSeesInputAndEnvironmentAndItsOutputIsWritten() throws {
        let scratch = try Scratch()
        let file = try scratch.write("data", "<a/>")
        let environment = HookEnvironment(["_hook_domxml": file, "vmId": "vm-1", "vnic_id": "ABC"])
        let result = Hook.execute(environment: environment) { input, environment in
            #expect(input == Array("<a/>".utf8))
            #expect(environment.vmID == "vm-1")
            #expect(environment[property: "vnic_id"] == "ABC")
            #expect(environment[property: "VNIC_ID"] == nil)  // names are exact, case kept
            return .replaced(Array("<b/>".utf8))
        }
        #expect(result.exitCode == .success)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "<b/>")
    }

    @Test(arguments: [
        (HookFailure("bad vnic_id", exitCode: .failedContinue) as any Error, HookExitCode.failedContinue),
        (HookFailure("bad vnic_id") as any Error, .failedStop),
        (Odd() as any Error, .failedStop),
    ])
    func failuresMapToExitCodesWithOneLine(error: any Error, expected: HookExitCode) throws {
        let scratch = try Scratch()
        let file = try scratch.write("data", "<a/>")
        let result = Hook.execute(environment: HookEnvironment(["_hook_domxml": file])) { _, _ in throw error }
        #expect(result.exitCode == expected)
        let message = try #require(result.message)
        #expect(!message.contains("\n"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "<a/>")
    }

    @Test func emptyOutputIsRefused() throws {
        let scratch = try Scratch()
        let file = try scratch.write("data", "<a/>")
        let result = Hook.execute(environment: HookEnvironment(["_hook_domxml": file])) { _, _ in .replaced([]) }
        #expect(result.exitCode == .failedStop)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "<a/>")
    }

    @Test func currentEnvironmentIsTheProcessEnvironment() {
        let current = HookEnvironment.current
        #expect(current.variables["PATH"] == ProcessInfo.processInfo.environment["PATH"])
    }

    @Test func runExitsTwoWithoutDomainXML() async {
        await #expect(processExitsWith: .exitCode(2)) {
            Hook.run(environment: HookEnvironment([:])) { _, _ in .unchanged }
        }
    }

    @Test func runExitsZeroOnSuccess() async throws {
        let scratch = try Scratch()
        let file = try scratch.write("data", "<a/>")
        await #expect(processExitsWith: .exitCode(0)) { [file = file as String] in
            Hook.run(environment: HookEnvironment(["_hook_domxml": file])) { _, _ in .unchanged }
        }
    }
}
