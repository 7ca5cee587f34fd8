"""The augmentations by name, and what each does, without NumPy (``augment.py`` holds the
augmenters): the configuration, the command line and the setup form need only these."""

AUGMENTS = ("none", "shift", "affine", "elastic")
AUGMENT_HELP = {
    "none": "no augmentation",
    "shift": "random shifts of up to 2 pixels",
    "affine": "random rotation, scale, shear and shift of each image",
    "elastic": "affine plus elastic (smoothed random) distortions",
}
