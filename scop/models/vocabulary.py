"""The room's vocabularies, once: statuses, message kinds, sources, roles, with their French
labels.

Each is a ``StrEnum`` whose values are the strings the journal has always held, so a member
equals its string (``CrewStatus.ENGAGE == "engage"``), a payload keeps plain JSON, and old
journals fold unchanged. The label tables are keyed by members and answer a plain string too.
The wire codec (``scop.protocols.edxl``) takes its message kinds and answers from here: the
domain does not know the wire format, the wire format knows the domain.
"""

from __future__ import annotations

from enum import StrEnum


class CrewStatus(StrEnum):
    DISPONIBLE = "disponible"
    ENGAGE = "engage"
    SUR_LES_LIEUX = "sur_les_lieux"
    INDISPONIBLE = "indisponible"
    HORS_SERVICE = "hors_service"

    @property
    def label(self) -> str:
        return CREW_STATUSES[self]


CREW_STATUSES: dict[str, str] = {
    CrewStatus.DISPONIBLE: "Disponible",
    CrewStatus.ENGAGE: "Engagé",
    CrewStatus.SUR_LES_LIEUX: "Sur les lieux",
    CrewStatus.INDISPONIBLE: "Indisponible",
    CrewStatus.HORS_SERVICE: "Hors service",
}


class CrewMode(StrEnum):
    PIED = "pied"
    VELO = "velo"
    VEHICULE = "vehicule"


CREW_MODES: dict[str, str] = {
    CrewMode.PIED: "À pied",
    CrewMode.VELO: "Vélo",
    CrewMode.VEHICULE: "Véhicule",
}


class EventStatus(StrEnum):
    NOUVEAU = "nouveau"
    PRIS_EN_COMPTE = "pris_en_compte"
    EN_COURS = "en_cours"
    CLOS = "clos"

    @property
    def label(self) -> str:
        return EVENT_STATUSES[self]


EVENT_STATUSES: dict[str, str] = {
    EventStatus.NOUVEAU: "Nouveau",
    EventStatus.PRIS_EN_COMPTE: "Pris en compte",
    EventStatus.EN_COURS: "En cours",
    EventStatus.CLOS: "Clos",
}


class Verification(StrEnum):
    """How far a piece of information on an event has been checked."""

    A_VERIFIER = "a_verifier"
    EN_VERIFICATION = "en_verification"
    VERIFIE = "verifie"

    @property
    def label(self) -> str:
        return VERIFICATION_STATES[self]


VERIFICATION_STATES: dict[str, str] = {
    Verification.A_VERIFIER: "À vérifier",
    Verification.EN_VERIFICATION: "En cours de vérification",
    Verification.VERIFIE: "Vérifié",
}


class StepStatus(StrEnum):
    """A fiche step: the first four are journaled; ``HORS_PARCOURS`` (a step off the branch
    taken) is only what the runner shows."""

    A_FAIRE = "a_faire"
    EN_COURS = "en_cours"
    FAIT = "fait"
    SAUTE = "saute"
    HORS_PARCOURS = "hors_parcours"

    @property
    def label(self) -> str:
        return STEP_STATUSES[self]


STEP_STATUSES: dict[str, str] = {
    StepStatus.A_FAIRE: "À faire",
    StepStatus.EN_COURS: "En cours",
    StepStatus.FAIT: "Fait",
    StepStatus.SAUTE: "Sauté",
    StepStatus.HORS_PARCOURS: "Hors parcours",
}
STEP_ENDED = frozenset({StepStatus.FAIT, StepStatus.SAUTE})


class MessageState(StrEnum):
    """A message exchanged with the PP, as the journal tells its story."""

    BROUILLON = "brouillon"
    VALIDE = "valide"
    ENVOYE = "envoye"
    RECU = "recu"
    INTEGRE = "integre"
    CONSULTE = "consulte"
    ERREUR = "erreur"
    EXPIRE = "expire"
    ABANDONNE = "abandonne"

    @property
    def label(self) -> str:
        return MESSAGE_STATES[self]


MESSAGE_STATES: dict[str, str] = {
    MessageState.BROUILLON: "Brouillon — à valider",
    MessageState.VALIDE: "Validé — en attente d'envoi",
    MessageState.ENVOYE: "Envoyé",
    MessageState.RECU: "Reçu",
    MessageState.INTEGRE: "Intégré",
    MessageState.CONSULTE: "Consulté",
    MessageState.ERREUR: "Erreur",
    MessageState.EXPIRE: "EXPIRÉ sans accusé",
    MessageState.ABANDONNE: "Abandonné",
}
# How far an outgoing message has gone: an acknowledgement never moves it back.
MESSAGE_RANK: dict[str, int] = {
    MessageState.BROUILLON: 0,
    MessageState.VALIDE: 1,
    MessageState.ENVOYE: 2,
    MessageState.RECU: 3,
    MessageState.INTEGRE: 4,
    MessageState.CONSULTE: 5,
}
# States from which an outgoing message is still waiting for the PP's "RECU".
AWAITING = frozenset({MessageState.VALIDE, MessageState.ENVOYE})


class AckStep(StrEnum):
    """The acknowledgement steps of the French profile (RC-REF), in order."""

    RECU = "RECU"
    INTEGRE = "INTEGRE"
    CONSULTE = "CONSULTE"


ACK_STEPS: tuple[AckStep, ...] = tuple(AckStep)
# The state an acknowledgement step brings a message to.
ACK_STEP_STATE: dict[str, MessageState] = {
    AckStep.RECU: MessageState.RECU,
    AckStep.INTEGRE: MessageState.INTEGRE,
    AckStep.CONSULTE: MessageState.CONSULTE,
}


# What every exercise screen, message and text says, in French practice: nobody may take it
# for a real one.
EXERCISE_MARK = "EXERCICE EXERCICE EXERCICE"


class MessageKind(StrEnum):
    """The kinds of message exchanged with the PP: the console composes the first eleven
    (contract with the fiches réflexes), the PP sends those and the last three."""

    ALERTE = "alerte"
    POINT_DE_SITUATION = "point_de_situation"
    DEMANDE_UMIP = "demande_umip"
    DEMANDE_CUMP = "demande_cump"
    DEMANDE_VPU = "demande_vpu"
    DEMANDE_CARE = "demande_care"
    COMPTE_RENDU_UMIP = "compte_rendu_umip"
    COMPTE_RENDU_CUMP = "compte_rendu_cump"
    COMPTE_RENDU_VPU = "compte_rendu_vpu"
    COMPTE_RENDU_CARE = "compte_rendu_care"
    ANNULATION = "annulation"
    REPONSE = "reponse"
    ACTIVATION_CUMP = "activation_cump"
    DEMANDE_POINT_DE_SITUATION = "demande_point_de_situation"

    @property
    def label(self) -> str:
        return INCOMING_LABELS[self]


# Kinds the console composes, with French labels.
TEMPLATES: dict[str, str] = {
    MessageKind.ALERTE: "Alerte",
    MessageKind.POINT_DE_SITUATION: "Point de situation",
    MessageKind.DEMANDE_UMIP: "Demande UMIP",
    MessageKind.DEMANDE_CUMP: "Demande CUMP",
    MessageKind.DEMANDE_VPU: "Demande VPU",
    MessageKind.DEMANDE_CARE: "Demande d'ouverture C.A.RE",
    MessageKind.COMPTE_RENDU_UMIP: "Compte rendu UMIP",
    MessageKind.COMPTE_RENDU_CUMP: "Compte rendu CUMP",
    MessageKind.COMPTE_RENDU_VPU: "Compte rendu VPU",
    MessageKind.COMPTE_RENDU_CARE: "Compte rendu C.A.RE",
    MessageKind.ANNULATION: "Annulation",
}
# Every kind, what the PP sends (and the simulator) included.
INCOMING_LABELS: dict[str, str] = {
    **TEMPLATES,
    MessageKind.REPONSE: "Réponse à une demande de concours",
    MessageKind.ACTIVATION_CUMP: "Activation de la CUMP",
    MessageKind.DEMANDE_POINT_DE_SITUATION: "Demande de point de situation",
}


class Answer(StrEnum):
    """The PP's answer to a request for means."""

    ACCEPTE = "ACCEPTE"
    REFUS = "REFUS"
    PARTIELLE = "PARTIELLE"

    @property
    def label(self) -> str:
        return ANSWER_LABELS[self]


# As the screens show an answer (status column, thread, main courante).
ANSWER_LABELS: dict[str, str] = {
    Answer.ACCEPTE: "ACCEPTÉE",
    Answer.REFUS: "REFUSÉE",
    Answer.PARTIELLE: "PARTIELLE",
}


class Source(StrEnum):
    """Who an entry comes from, as operators name it on screen."""

    OPERATEUR = "operateur"
    APPEL_3975 = "appel_3975"
    DANSMARUE = "dansmarue"
    EQUIPAGE = "equipage"
    PARTENAIRE = "partenaire"
    PP = "pp"
    RESEAUX_SOCIAUX = "reseaux_sociaux"
    SYSTEME = "systeme"
    FORMATEUR = "formateur"

    @property
    def label(self) -> str:
        return SOURCES[self]


SOURCES: dict[str, str] = {
    Source.OPERATEUR: "Opérateur",
    Source.APPEL_3975: "Appel 3975",
    Source.DANSMARUE: "DansMaRue",
    Source.EQUIPAGE: "Équipage",
    Source.PARTENAIRE: "Partenaire",
    Source.PP: "Préfecture de Police",
    Source.RESEAUX_SOCIAUX: "Veille réseaux sociaux",
    Source.SYSTEME: "Système",
    Source.FORMATEUR: "Formateur",
}


class Role(StrEnum):
    OPERATOR = "operator"
    CHIEF = "chief"
    TRAINER = "trainer"
    ADMIN = "admin"
    OBSERVER = "observer"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return ROLES[self]


ROLES: dict[str, str] = {
    Role.OPERATOR: "opérateur",
    Role.CHIEF: "chef de salle",
    Role.TRAINER: "formateur",
    Role.ADMIN: "administrateur",
    Role.OBSERVER: "observateur",
    Role.SYSTEM: "système",
}
# The roles `scop --role` offers (accounts add admin and observer; ``system`` is the console's).
PERSON_ROLES: tuple[Role, ...] = (Role.OPERATOR, Role.CHIEF, Role.TRAINER)
