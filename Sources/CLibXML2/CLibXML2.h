// SPDX-License-Identifier: Apache-2.0
// The libxml2 headers fabric's DomainXML module uses (pkg-config libxml-2.0).
#ifndef FABRIC_CLIBXML2_H
#define FABRIC_CLIBXML2_H

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>

#endif
