// SPDX-License-Identifier: Apache-2.0
import DomainXML
import Testing

@Suite struct ElementTests {
    let ovirtVM = XMLNamespace.ovirtVM

    @Test func childrenAreFoundByNamespaceURINotPrefix() throws {
        let document = try DomainDocument(parsing: Samples.oddPrefixes)
        let texts: [String] = document.withRoot { root in
            root.withFirstChild(named: "metadata") { metadata in
                var found: [String] = []
                metadata.forEachChild(named: "vm", namespace: ovirtVM) { vm in
                    vm.forEachChild(named: "custom", namespace: ovirtVM) { custom in
                        custom.forEachChild(named: "vnic_id", namespace: ovirtVM) { found.append($0.text) }
                    }
                }
                return found
            } ?? []
        }
        #expect(texts == ["x", "y"])
        let plain = document.withRoot { root in
            root.withFirstChild(named: "metadata") { $0.countChildren(named: "vm") }
        }
        #expect(plain == 0)  // `vm` in no namespace does not exist
    }

    @Test func namespaceDeclaredTwiceIsMatchedAndKept() throws {
        let document = try DomainDocument(parsing: Samples.engineDomain)
        let mac = document.withRoot { root in
            root.withFirstChild(named: "metadata") { metadata in
                metadata.withFirstChild(named: "vm", namespace: ovirtVM) { vm in
                    vm.withFirstChild(named: "device", namespace: ovirtVM) { $0.attribute("mac_address") }
                }
            }
        }
        #expect(mac == "56:6F:1A:2B:00:07")
        document.withRoot { $0.setAttribute("type", to: "qemu") }
        let output = try document.serializedString()
        #expect(output.contains("<ovirt-vm:vm xmlns:ovirt-vm=\"http://ovirt.org/vm/1.0\">"))
        #expect(output.contains("xmlns:ovirt-tune=\"http://ovirt.org/vm/tune/1.0\""))
        #expect(output.contains("<domain xmlns:ns0=\"http://ovirt.org/vm/tune/1.0\" xmlns:ovirt-vm"))
    }

    @Test func setAttributeKeepsOrderAndCountsOnlyRealChanges() throws {
        let document = try DomainDocument(parsing: "<a x=\"1\" y=\"2\" z=\"3\"/>")
        document.withRoot { $0.setAttribute("y", to: "2") }
        let unchanged = !document.hasChanges
        #expect(unchanged)
        document.withRoot { $0.setAttribute("y", to: "<&\"新>") }
        let changed = document.hasChanges
        #expect(changed)
        let reparsed = try DomainDocument(parsing: try document.serialized())
        let attributes = reparsed.withRoot { $0.attributes.map { "\($0.name)=\($0.value)" } }
        #expect(attributes == ["x=1", "y=<&\"新>", "z=3"])
    }

    @Test func hasOnlyAttributeAgreesWithTheAttributeList() throws {
        let cases: [(xml: String, name: String, value: String)] = [
            ("<s bridge=\"br-int\"/>", "bridge", "br-int"),
            ("<s bridge=\"br-int\"/>", "bridge", "br-int2"),
            ("<s bridge=\"br-int\"/>", "network", "br-int"),
            ("<s bridge=\"a&amp;b\"/>", "bridge", "a&b"),
            ("<s bridge=\"\"/>", "bridge", ""),
            ("<s/>", "bridge", ""),
            ("<s bridge=\"br-int\" extra=\"1\"/>", "bridge", "br-int"),
            ("<s extra=\"1\" bridge=\"br-int\"/>", "bridge", "br-int"),
            ("<s xmlns:o=\"urn:o\" o:bridge=\"br-int\"/>", "bridge", "br-int"),
        ]
        for (xml, name, value) in cases {
            let document = try DomainDocument(parsing: xml)
            let (fast, listed) = document.withRoot { root in
                let attributes = root.attributes
                let listed = attributes.count == 1 && attributes[0].name == name && attributes[0].value == value
                return (root.hasOnlyAttribute(name, value: value), listed)
            }
            #expect(fast == listed, "\(xml) \(name)=\(value)")
        }
        let matches = try cases.map { (xml, name, value) in
            try DomainDocument(parsing: xml).withRoot { $0.hasOnlyAttribute(name, value: value) }
        }
        #expect(matches == [true, false, false, true, true, false, false, false, true])
    }

    @Test func appendChildIndentsLikeSiblingsInPrettyInput() throws {
        let document = try DomainDocument(parsing: "<i type=\"bridge\">\n    <mac address=\"m\" />\n</i>\n")
        document.withRoot { root in
            root.appendChild(named: "virtualport", attributes: ["type": "openvswitch"]) { port in
                port.appendChild(named: "parameters", attributes: ["interfaceid": "u"])
            }
        }
        let expected = """
            <i type="bridge">
                <mac address="m" />
                <virtualport type="openvswitch">
                    <parameters interfaceid="u" />
                </virtualport>
            </i>

            """
        #expect(try document.serializedString() == expected)
    }

    @Test func appendChildStaysCompactInSingleLineInput() throws {
        let document = try DomainDocument(parsing: Samples.hotplug)
        document.withRoot { root in
            root.appendChild(named: "target", attributes: ["dev": "tapx"])
        }
        let output = try document.serializedString()
        #expect(output.hasSuffix("<mac address=\"56:6f:1a:2b:00:11\" /><target dev=\"tapx\" /></interface>"))
        #expect(output.filter { $0 == "\n" }.isEmpty)
    }

    @Test func removeTakesItsIndentationAlong() throws {
        let input = "<i>\n    <a/>\n    <b/>\n    <c/>\n</i>"
        let document = try DomainDocument(parsing: input)
        document.withRoot { root in root.withFirstChild(named: "b") { $0.remove() } }
        #expect(try document.serializedString() == "<i>\n    <a/>\n    <c/>\n</i>")
    }

    @Test func replaceKeepsPosition() throws {
        let document = try DomainDocument(parsing: "<i>\n  <a/>\n  <t dev=\"old\" managed=\"no\"/>\n  <c/>\n</i>")
        document.withRoot { root in
            root.withFirstChild(named: "t") { $0.replace(withElementNamed: "t", attributes: ["dev": "new"]) }
        }
        let reparsed = try DomainDocument(parsing: try document.serialized())
        let names = reparsed.withRoot { root in
            var names: [String] = []
            root.forEachChildElement { names.append($0.name) }
            return names
        }
        #expect(names == ["a", "t", "c"])
        #expect(reparsed.withRoot { $0.withFirstChild(named: "t") { $0.attributes.count } } == 1)
        #expect(try document.serializedString() == "<i>\n  <a/>\n  <t dev=\"new\"/>\n  <c/>\n</i>")
    }

    @Test func appendNamespacedChildReusesInScopeDeclaration() throws {
        let document = try DomainDocument(parsing: "<m xmlns:odd=\"http://ovirt.org/vm/1.0\"><odd:vm/></m>")
        document.withRoot { root in
            root.withFirstChild(named: "vm", namespace: ovirtVM) { vm in
                vm.appendChild(named: "custom", namespace: ovirtVM, prefix: "ovirt-vm")
            }
            root.appendChild(named: "tune", namespace: XMLNamespace.ovirtTune, prefix: "ovirt-tune")
        }
        #expect(
            try document.serializedString()
                == "<m xmlns:odd=\"http://ovirt.org/vm/1.0\"><odd:vm><odd:custom/></odd:vm>"
                + "<ovirt-tune:tune xmlns:ovirt-tune=\"http://ovirt.org/vm/tune/1.0\"/></m>")
    }
}
