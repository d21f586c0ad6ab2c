window.SCOP_GEO=window.SCOP_GEO||{};SCOP_GEO["meta"]={"attribution":"Fond : © Ville de Paris (ODbL) — adresses : Base Adresse Nationale (Licence Ouverte 2.0)","scale":100000};
