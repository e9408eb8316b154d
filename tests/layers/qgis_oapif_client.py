"""Run by tests/layers/test_qgis_oapif.py under Debian's system Python with QGIS (python3-qgis, qgis-providers):
what a desktop user does. Adds a WFS / OGC API – Features connection with the URL as typed, lists the layers QGIS's
browser finds behind it, opens each with the OAPIF provider and reads every feature.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_oapif_client.py http://host/ogc
Prints one JSON document: {"version", "layers": {name: count}, "requests": [urls of items requests]}.
"""

import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsDataSourceUri,
    QgsNetworkAccessManager,
    QgsSettings,
    QgsVectorLayer,
)


def main(url: str) -> None:
    profile = tempfile.mkdtemp(prefix="qgis-profile-")  # never the user's own settings
    app = QgsApplication([], False, profile)
    app.initQgis()
    requests = []

    def seen(request) -> None:  # called in whichever thread sends the request (the provider downloads in its own)
        requests.append(request.url().toString())

    hook = QgsNetworkAccessManager.setRequestPreprocessor(seen)

    # The connection as the "New WFS / OGC API – Features connection" dialog saves it.
    settings = QgsSettings()
    settings.setValue("qgis/connections-wfs/portal/url", url)
    settings.setValue("qgis/connections-wfs/portal/version", "OGC_API_FEATURES")

    root = QgsApplication.dataItemProviderRegistry().provider("WFS").createDataItem("", None)
    layers = {}
    for connection in root.createChildren():
        if connection.name() != "portal":
            continue
        for item in connection.createChildren():
            if item.type() != Qgis.BrowserItemType.Layer:
                layers[f"(not a layer: {item.name()})"] = -1
                continue
            uri = QgsDataSourceUri(item.uri())
            typename = uri.param("typename")
            layer = QgsVectorLayer(item.uri(), typename, item.providerKey())
            if not layer.isValid():
                layers[typename] = -1
                continue
            layers[typename] = sum(1 for _ in layer.getFeatures())
    QgsNetworkAccessManager.removeRequestPreprocessor(hook)
    print(
        json.dumps(
            {
                "version": Qgis.QGIS_VERSION,
                "layers": layers,
                "requests": [r for r in requests if "/items" in r],
            }
        ),
        flush=True,
    )
    # Not app.exitQgis(): QGIS 3.22's OAPIF provider crashes on it in a script whose layers are still alive
    # (exit status -11 after the answer was printed); the answer is out, the process ends here.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
