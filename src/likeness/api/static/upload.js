// Upload progress for forms marked data-upload-progress (filled in by the progress work).
"use strict";
