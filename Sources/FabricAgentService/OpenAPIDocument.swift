// SPDX-License-Identifier: Apache-2.0

/// `GET /openapi.json`: the hand-written OpenAPI 3 description of the agent's API. Tests check it
/// against the live API with schemathesis, so a route or field change must update it.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.0.3",
          "info": {
            "title": "fabric-agent",
            "version": "1.0.0",
            "description": "The fabric-aware host interface table of an oVirt host (docs/agent.md, docs/host-table-schema.md). On a non-loopback address every route requires TLS and a bearer token."
          },
          "security": [{}, {"bearerAuth": []}],
          "paths": {
            "/v1/interfaces": {
              "get": {
                "operationId": "listInterfaces",
                "summary": "The whole host table (schema fabric.host-interfaces, the same document as fabric-agent show --json).",
                "responses": {
                  "200": {"description": "The table.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HostTable"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/NotReady"}
                }
              }
            },
            "/v1/interfaces/{name}": {
              "get": {
                "operationId": "getInterface",
                "summary": "One row of the table.",
                "parameters": [{
                  "name": "name", "in": "path", "required": true,
                  "description": "The kernel's interface name.",
                  "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:@-]{1,15}$"}
                }],
                "responses": {
                  "200": {"description": "The row.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HostInterface"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"description": "No interface has that name.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "503": {"$ref": "#/components/responses/NotReady"}
                }
              }
            },
            "/v1/networks": {
              "get": {
                "operationId": "listNetworks",
                "summary": "Every network this host carries, with its characteristics and the interfaces that carry it (schema fabric.host-networks, the document of fabric-agent show --networks --json).",
                "responses": {
                  "200": {"description": "The networks.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HostNetworks"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/NotReady"}
                }
              }
            },
            "/v1/networks/{name}": {
              "get": {
                "operationId": "getNetwork",
                "summary": "One network: for a VDSM network its VLAN, device, bridging, MTU, switch, addresses, default route and host QoS; for every network the interfaces that carry it.",
                "parameters": [{
                  "name": "name", "in": "path", "required": true,
                  "description": "The network's name (the table's Network Name).",
                  "schema": {"type": "string", "minLength": 1}
                }],
                "responses": {
                  "200": {"description": "The network.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HostNetwork"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"description": "This host carries no network of that name.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                  "503": {"$ref": "#/components/responses/NotReady"}
                }
              }
            },
            "/v1/events": {
              "get": {
                "operationId": "events",
                "summary": "Server-sent events: the current table at once, then the changes of each new version.",
                "description": "The first event is `event: table`, `id: VERSION` and one `data:` line holding the whole HostTable as compact JSON. Each later version is `event: changes`, `id: VERSION`, with data `{schema: \"fabric.host-interfaces.changes\", schemaVersion, version, base, hostname, sampledAt, intervalSeconds, sources, changed: [rows], removed: [names]}` that turns version `base` into `version`: take the header fields, drop the rows named in `removed`, replace or add the rows of `changed` by name, order by `index`. A stream that skipped versions gets `event: table` again. A change is any difference in the rows or sources, and every counter sample (rates). With `?include=networks`, an `event: networks` (the whole HostNetworks, `id:` the table's version) follows the first event and comes whenever the networks changed: a provider daemon started or stopped, a tunnel went up or down, a vNIC's tap left its bridge, a network's configuration changed. When only the networks changed, the table's version stays and only that event is sent. The stream ends when the agent stops.",
                "parameters": [{
                  "name": "include", "in": "query", "required": false,
                  "description": "`networks` to receive the networks document whenever it changes.",
                  "schema": {"type": "string", "enum": ["networks"]}
                }],
                "responses": {
                  "200": {"description": "An endless event stream.", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "summary": "Prometheus text exposition: per-interface counters, speed, operational state and rates, labelled interface, fabric and network.",
                "responses": {
                  "200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/NotReady"}
                }
              }
            },
            "/healthz": {
              "get": {
                "operationId": "health",
                "summary": "Liveness: ok once the first table exists.",
                "responses": {
                  "200": {"description": "Serving.", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/NotReady"}
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "responses": {
                  "200": {"description": "OpenAPI 3.", "content": {"application/json": {"schema": {"type": "object"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/": {
              "get": {
                "operationId": "webPage",
                "summary": "A self-contained web page showing the table, live.",
                "responses": {
                  "200": {"description": "HTML.", "content": {"text/html": {"schema": {"type": "string"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Required when the agent listens on a non-loopback address (token-file)."}
            },
            "responses": {
              "Unauthorized": {"description": "Missing or wrong bearer token.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "NotReady": {"description": "The first netlink snapshot has not been taken yet.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
              "Error": {
                "type": "object", "required": ["error", "status"],
                "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}
              },
              "HostTable": {
                "type": "object",
                "required": ["schema", "schemaVersion", "sampledAt", "sources", "interfaces"],
                "properties": {
                  "schema": {"type": "string", "enum": ["fabric.host-interfaces"]},
                  "schemaVersion": {"type": "integer", "minimum": 1},
                  "hostname": {"type": "string"},
                  "sampledAt": {"type": "number"},
                  "intervalSeconds": {"type": "number"},
                  "sources": {
                    "type": "object", "required": ["ovsdb", "warnings"],
                    "properties": {
                      "ovsdb": {
                        "type": "object", "required": ["endpoint", "reachable"],
                        "properties": {
                          "endpoint": {"type": "string"}, "reachable": {"type": "boolean"},
                          "error": {"type": "string"}, "ovnControlled": {"type": "boolean"},
                          "hostExternalIDs": {"type": "object", "additionalProperties": {"type": "string"}}
                        }
                      },
                      "vdsmConfig": {"type": "string"},
                      "warnings": {"type": "array", "items": {"type": "string"}}
                    }
                  },
                  "interfaces": {"type": "array", "items": {"$ref": "#/components/schemas/HostInterface"}}
                }
              },
              "HostNetworks": {
                "type": "object",
                "required": ["schema", "schemaVersion", "sampledAt", "networks"],
                "properties": {
                  "schema": {"type": "string", "enum": ["fabric.host-networks"]},
                  "schemaVersion": {"type": "integer", "minimum": 1},
                  "hostname": {"type": "string"},
                  "sampledAt": {"type": "number"},
                  "networks": {"type": "array", "items": {"$ref": "#/components/schemas/HostNetwork"}},
                  "provides": {
                    "type": "object", "required": ["physicalNetworks", "overlayTypes"],
                    "properties": {
                      "physicalNetworks": {"type": "array", "items": {
                        "type": "object", "required": ["name", "via", "device"],
                        "properties": {"name": {"type": "string"}, "via": {"type": "string"}, "device": {"type": "string"}}
                      }},
                      "overlayTypes": {"type": "array", "items": {"type": "string"}},
                      "tunnelIP": {"type": "string"},
                      "unknown": {"type": "string"}
                    }
                  },
                  "agents": {"type": "array", "items": {"$ref": "#/components/schemas/ProviderAgent"}},
                  "tunnels": {"type": "array", "items": {"$ref": "#/components/schemas/OVSTunnel"}},
                  "providerPorts": {"type": "array", "items": {"$ref": "#/components/schemas/ProviderPort"}},
                  "ovn": {
                    "type": "object", "required": ["encaps", "tunnels", "vnics"],
                    "description": "This host as an OVN chassis; present when external_ids:ovn-remote is set.",
                    "properties": {
                      "chassis": {"type": "string"}, "southboundRemote": {"type": "string"},
                      "encaps": {"type": "array", "items": {
                        "type": "object", "required": ["type", "ip"],
                        "properties": {"type": {"type": "string"}, "ip": {"type": "string"}}}},
                      "controller": {
                        "type": "object", "required": ["running"],
                        "properties": {
                          "running": {"type": "boolean"}, "pid": {"type": "integer"},
                          "connected": {"type": "boolean"}, "error": {"type": "string"}}},
                      "southboundUnknown": {"type": "string"},
                      "tunnels": {"type": "array", "items": {
                        "type": "object", "required": ["interface", "type"],
                        "properties": {
                          "interface": {"type": "string"}, "type": {"type": "string"}, "remoteIP": {"type": "string"},
                          "peerChassis": {"type": "string"}, "peerHostname": {"type": "string"},
                          "linkState": {"type": "string"}, "bfdState": {"type": "string"}}}},
                      "vnics": {"type": "array", "items": {
                        "type": "object", "required": ["interface", "portID"],
                        "properties": {
                          "interface": {"type": "string"}, "portID": {"type": "string"},
                          "logicalSwitch": {"type": "string"}, "networkName": {"type": "string"},
                          "boundChassis": {"type": "string"}, "unknown": {"type": "string"}}}}
                    }
                  }
                }
              },
              "VXLAN": {
                "type": "object", "required": ["vni"],
                "properties": {
                  "vni": {"type": "integer"}, "group": {"type": "string"}, "remote": {"type": "string"},
                  "local": {"type": "string"}, "port": {"type": "integer"}, "device": {"type": "string"}
                }
              },
              "ProviderAgent": {
                "type": "object", "required": ["name", "running"],
                "properties": {
                  "name": {"type": "string", "enum": ["ovs-vswitchd", "ovn-controller", "neutron-openvswitch-agent", "neutron-linuxbridge-agent"]},
                  "running": {"type": "boolean"}, "pid": {"type": "integer"}, "evidence": {"type": "string"},
                  "version": {"type": "string"}, "datapathTypes": {"type": "array", "items": {"type": "string"}},
                  "configFile": {"type": "string"}, "configFileExists": {"type": "boolean"}, "connected": {"type": "boolean"},
                  "problem": {"type": "string"}
                }
              },
              "OVSTunnel": {
                "type": "object", "required": ["bridge", "interface", "type"],
                "properties": {
                  "bridge": {"type": "string"}, "interface": {"type": "string"}, "type": {"type": "string"},
                  "localIP": {"type": "string"}, "remoteIP": {"type": "string"}, "key": {"type": "string"},
                  "linkState": {"type": "string"}, "bfdState": {"type": "string"}, "peerChassis": {"type": "string"}
                }
              },
              "ProviderPort": {
                "type": "object", "required": ["interface", "bridge", "portID", "onBridge"],
                "properties": {
                  "interface": {"type": "string"}, "bridge": {"type": "string"}, "portID": {"type": "string"},
                  "vmID": {"type": "string"}, "onBridge": {"type": "boolean"}, "problem": {"type": "string"}
                }
              },
              "HostNetwork": {
                "type": "object",
                "required": ["name", "fabric", "interfaces"],
                "properties": {
                  "name": {"type": "string"},
                  "fabric": {"type": "string", "enum": ["vdsm", "openvswitch", "ovn", "linuxbridge", "unclassified"]},
                  "vdsm": {
                    "type": "object", "required": ["name", "bridged", "switchType", "ipv4", "ipv6", "defaultRoute", "nameservers"],
                    "properties": {
                      "name": {"type": "string"}, "nic": {"type": "string"}, "bonding": {"type": "string"},
                      "vlan": {"type": "integer"}, "bridged": {"type": "boolean"}, "switchType": {"type": "string"},
                      "mtu": {"type": "integer"}, "stp": {"type": "boolean"},
                      "ipv4": {"type": "object", "properties": {
                        "bootProtocol": {"type": "string"}, "address": {"type": "string"}, "netmask": {"type": "string"},
                        "prefix": {"type": "integer"}, "gateway": {"type": "string"}}},
                      "ipv6": {"type": "object", "required": ["addresses"], "properties": {
                        "autoconf": {"type": "boolean"}, "dhcp": {"type": "boolean"},
                        "addresses": {"type": "array", "items": {"type": "string"}}, "gateway": {"type": "string"}}},
                      "defaultRoute": {"type": "boolean"},
                      "nameservers": {"type": "array", "items": {"type": "string"}},
                      "hostQoS": {"type": "object", "properties": {
                        "linkShare": {"type": "integer"}, "upperLimit": {"type": "integer"}, "realTime": {"type": "integer"}}}
                    }
                  },
                  "interfaces": {"type": "array", "items": {
                    "type": "object", "required": ["name", "kind", "reason"],
                    "properties": {
                      "name": {"type": "string"}, "kind": {"type": "string"}, "reason": {"type": "string"},
                      "ovsBridge": {"type": "string"}, "vlan": {"type": "integer"}, "vmID": {"type": "string"},
                      "portID": {"type": "string"}, "vxlan": {"$ref": "#/components/schemas/VXLAN"}
                    }
                  }},
                  "segment": {
                    "type": "object", "required": ["networkID"],
                    "properties": {
                      "networkID": {"type": "string"}, "networkType": {"type": "string"},
                      "physicalNetwork": {"type": "string"}, "segmentationID": {"type": "integer"},
                      "localVLAN": {"type": "integer"}, "bridge": {"type": "string"}
                    }
                  },
                  "tunnels": {"type": "array", "items": {"$ref": "#/components/schemas/OVSTunnel"}}
                }
              },
              "HostInterface": {
                "type": "object",
                "required": ["name", "index", "kind", "mtu", "operState", "isUp", "addresses", "statistics", "classification"],
                "properties": {
                  "name": {"type": "string"},
                  "index": {"type": "integer"},
                  "kind": {"type": "string"},
                  "kernelKind": {"type": "string"},
                  "mac": {"type": "string"},
                  "permanentMAC": {"type": "string"},
                  "mtu": {"type": "integer", "minimum": 0},
                  "operState": {"type": "string", "enum": ["UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"]},
                  "isUp": {"type": "boolean"},
                  "speedMbps": {"type": "integer"},
                  "addresses": {"type": "array", "items": {
                    "type": "object", "required": ["family", "cidr", "scope", "secondary"],
                    "properties": {"family": {"type": "string"}, "cidr": {"type": "string"}, "scope": {"type": "string"}, "secondary": {"type": "boolean"}}
                  }},
                  "primaryAddress": {"type": "string"},
                  "master": {"type": "string"},
                  "slaveKind": {"type": "string"},
                  "bond": {"type": "string"},
                  "vlanID": {"type": "integer"},
                  "parent": {"type": "string"},
                  "peer": {"type": "string"},
                  "vxlan": {"$ref": "#/components/schemas/VXLAN"},
                  "bonding": {"type": "object"},
                  "bridgePorts": {"type": "array", "items": {"type": "string"}},
                  "ovs": {
                    "type": "object", "required": ["bridge", "port", "interfaceType"],
                    "properties": {
                      "bridge": {"type": "string"}, "port": {"type": "string"}, "interfaceType": {"type": "string"},
                      "ofport": {"type": "integer"}, "tag": {"type": "integer"},
                      "externalIDs": {"type": "object", "additionalProperties": {"type": "string"}},
                      "portOtherConfig": {"type": "object", "additionalProperties": {"type": "string"}}
                    }
                  },
                  "statistics": {
                    "type": "object",
                    "properties": {
                      "rxBytes": {"type": "integer", "minimum": 0}, "txBytes": {"type": "integer", "minimum": 0},
                      "rxPackets": {"type": "integer", "minimum": 0}, "txPackets": {"type": "integer", "minimum": 0},
                      "rxErrors": {"type": "integer", "minimum": 0}, "txErrors": {"type": "integer", "minimum": 0},
                      "rxDropped": {"type": "integer", "minimum": 0}, "txDropped": {"type": "integer", "minimum": 0}
                    }
                  },
                  "rates": {
                    "type": "object", "required": ["intervalSeconds"],
                    "properties": {
                      "rxMbps": {"type": "number"}, "txMbps": {"type": "number"},
                      "droppedPackets": {"type": "integer", "minimum": 0}, "intervalSeconds": {"type": "number"}
                    }
                  },
                  "classification": {
                    "type": "object", "required": ["fabric", "reason"],
                    "properties": {
                      "fabric": {"type": "string", "enum": ["vdsm", "openvswitch", "ovn", "linuxbridge", "unclassified"]},
                      "networkName": {"type": "string"},
                      "reason": {"type": "string"}
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
