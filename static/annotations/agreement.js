// The agreement page: owners turn blind mode on or off per article (PATCH /api/articles/{id}/).

import { wireBlindToggles } from "./blindtoggle.js";

const status = document.getElementById("blind-status");
wireBlindToggles((text) => { status.textContent = text; });
