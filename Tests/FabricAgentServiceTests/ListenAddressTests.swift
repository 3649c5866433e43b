// SPDX-License-Identifier: Apache-2.0
import FabricAgentService
import Testing

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("unix:/run/fabric/agent.sock", ListenAddress.unix(path: "/run/fabric/agent.sock"), true),
        ("127.0.0.1:0", .tcp(host: "127.0.0.1", port: 0), true),
        ("localhost:8080", .tcp(host: "localhost", port: 8080), true),
        ("[::1]:9000", .tcp(host: "::1", port: 9000), true),
        ("192.0.2.10:8443", .tcp(host: "192.0.2.10", port: 8443), false),
        ("[2001:db8::1]:443", .tcp(host: "2001:db8::1", port: 443), false),
    ])
    func parses(text: String, expected: ListenAddress, local: Bool) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address == expected)
        #expect(address.isLocal == local)
        #expect(address.description == text)
    }

    @Test(arguments: ["unix:relative.sock", "127.0.0.1", "host:99999", ":80", "::1:80", "unix:/" + String(repeating: "x", count: 120)])
    func rejects(text: String) {
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: text) }
    }
}
